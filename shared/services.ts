import { Settings, loadConfig } from './config';
import { createStorageClients, StorageClients } from './adapters/storage';
import { createOfferStore } from './adapters/tables/offerStore';
import { createStatusStore } from './adapters/tables/statusStore';
import { createSubmissionStore } from './adapters/tables/submissionStore';
import { createHistoryStore } from './adapters/tables/historyStore';
import { createNotificationOutbox } from './adapters/tables/notificationOutbox';
import { createDecisionStore } from './adapters/tables/decisionStore';
import { createPackageReportStore } from './adapters/tables/packageReportStore';
import { createLeadStore } from './adapters/tables/leadStore';
import { createAppCatalog } from './adapters/tables/appCatalog';
import type { AppCatalog } from './domain/package/technical';
import { createBlobStore } from './adapters/blobStore';
import { createEmailSender } from './adapters/email';
import type {
  DecisionStore,
  HistoryStore,
  LeadStore,
  NotificationOutbox,
  OfferStore,
  PackageReportStore,
  StatusStore,
  SubmissionStore,
} from './ports/stores';
import type { BlobStore } from './ports/blobs';
import type { EmailSender } from './ports/email';

/** Everything handlers and activities depend on, built once from the settings. */
export interface Services {
  settings: Settings;
  storage: StorageClients;
  offers: OfferStore;
  statuses: StatusStore;
  submissions: SubmissionStore;
  history: HistoryStore;
  outbox: NotificationOutbox;
  decisions: DecisionStore;
  packageReports: PackageReportStore;
  leads: LeadStore;
  /** App id -> offers and live versions, for the technical package rules. */
  appCatalog: AppCatalog;
  blobs: BlobStore;
  email?: EmailSender;
  now: () => Date;
}

export function createServices(settings: Settings, now: () => Date = () => new Date()): Services {
  const storage = createStorageClients(settings);
  return {
    settings,
    storage,
    offers: createOfferStore(storage),
    statuses: createStatusStore(storage),
    submissions: createSubmissionStore(storage),
    history: createHistoryStore(storage),
    outbox: createNotificationOutbox(storage),
    decisions: createDecisionStore(storage),
    packageReports: createPackageReportStore(storage),
    leads: createLeadStore(storage),
    appCatalog: createAppCatalog(storage),
    blobs: createBlobStore(storage),
    email: createEmailSender(settings),
    now,
  };
}

let services: Services | undefined;

/**
 * The composition root for registered functions: settings are read on the first invocation,
 * never at module load, so registration modules load anywhere (tests, the local host, Azure).
 */
export function getServices(): Services {
  services ??= createServices(loadConfig());
  return services;
}
