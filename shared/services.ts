import { ConfigError, Settings, loadConfig, runsInAzure } from './config';
import { hostOffsetClock, systemClock } from './adapters/clock';
import { createOfferIndex } from './adapters/tables/offerIndex';
import { withOfferIndex } from './adapters/tables/indexedStores';
import { createListTokenKey } from './adapters/tables/listTokenKey';
import { createActiveSubmissions } from './adapters/tables/activeSubmissions';
import { createStorageClients, StorageClients } from './adapters/storage';
import { createOfferStore } from './adapters/tables/offerStore';
import { createStatusStore, type RememberedStatusRows } from './adapters/tables/statusStore';
import { RememberedRows } from './adapters/tables/rememberedRows';
import { createSubmissionStore } from './adapters/tables/submissionStore';
import { createHistoryStore } from './adapters/tables/historyStore';
import { createNotificationOutbox } from './adapters/tables/notificationOutbox';
import { createTimeline, Timeline } from './adapters/tables/timeline';
import { createDecisionStore } from './adapters/tables/decisionStore';
import { createPackageReportStore } from './adapters/tables/packageReportStore';
import { createLeadStore } from './adapters/tables/leadStore';
import { createAppCatalog } from './adapters/tables/appCatalog';
import { createQuestionStore } from './adapters/tables/questionStore';
import { createIngestionStore, IngestionStore } from './adapters/tables/ingestionStore';
import type { AppCatalog } from './domain/package/technical';
import type { AppIdClaims } from './domain/appClaims';
import { createBlobStore } from './adapters/blobStore';
import { createEmailSender } from './adapters/email';
import type {
  ActiveSubmissions,
  Clock,
  DecisionStore,
  HistoryStore,
  LeadStore,
  NotificationOutbox,
  OfferIndex,
  OfferStore,
  PackageReportStore,
  QuestionStore,
  StatusStore,
  SubmissionStore,
} from './ports/stores';
import type { BlobStore } from './ports/blobs';
import type { EmailSender } from './ports/email';
import type { OfferEventLog, WebhookDispatch } from './ports/offerEvents';
import { createOfferEventLog } from './adapters/tables/offerEvents';
import { createDeliveryLog, createWebhookStore } from './adapters/tables/webhookStore';
import { createWebhookCursors, type WebhookCursors } from './adapters/tables/webhookCursors';
import { createEndpointDirectory, type EndpointDirectory } from './webhooks/directory';
import type { DeliveryLog, WebhookStore } from './webhooks/ports';
import { createWebhookDispatch } from './webhooks/dispatch';
import type { OrchestrationClient } from './http/orchestrations';

/** Everything handlers and activities depend on, built once from the settings. */
export interface Services {
  settings: Settings;
  storage: StorageClients;
  offers: OfferStore;
  statuses: StatusStore;
  submissions: SubmissionStore;
  history: HistoryStore;
  outbox: NotificationOutbox;
  /** Step changes: one transaction in the offer's timeline partition. */
  timeline: Timeline;
  decisions: DecisionStore;
  packageReports: PackageReportStore;
  leads: LeadStore;
  /** Questions during review and their answers. */
  questions: QuestionStore;
  /** App id -> offers and live versions, for the technical package rules. */
  appCatalog: AppCatalog;
  /** Which offer holds each app id (design.md `manifest.app-id-taken`); same table as appCatalog. */
  appClaims: AppIdClaims;
  blobs: BlobStore;
  email?: EmailSender;
  /** The "All offers" read models; offers and statuses above keep them in step. */
  offerIndex: OfferIndex;
  /** The reconciler's watch list (active submissions, stale list rows). */
  activeSubmissions: ActiveSubmissions;
  /** Signs "All offers" continuation tokens (never logged nor returned). */
  listTokenKey: () => Promise<Buffer>;
  /** The Partner Center ingestion front door: product lookup, packages, client -> publisher map. */
  ingestion: IngestionStore;
  now: () => Date;
  /**
   * The workflow's clock for a request that knows its task hub (from the durable client):
   * the local host's clock locally, the system clock in Azure.
   */
  clockFor(taskHub: string | undefined): Clock;
  /** The offer's webhook events (OfferTimeline); appended with the step change or by recordOfferEvent. */
  offerEvents: OfferEventLog;
  /** Webhook endpoints by owner. */
  webhooks: WebhookStore;
  /** The endpoints every kick of this process looks up (directory.ts); told of endpoint writes. */
  endpoints: EndpointDirectory;
  /** The webhook delivery log (30 days). */
  webhookDeliveries: DeliveryLog;
  /** Each endpoint's place in each offer's events. */
  webhookCursors: WebhookCursors;
  /** The dispatch of new events, through a durable client (an HTTP function's or an activity's input). */
  webhookDispatch(client: OrchestrationClient): WebhookDispatch;
}

export function createServices(settings: Settings, now: () => Date = () => new Date()): Services {
  const storage = createStorageClients(settings);
  // The status rows this process last read or wrote, so a write after them needs no read first
  // (shared/adapters/tables/rememberedRows.ts).
  const statusRows: RememberedStatusRows = new RememberedRows();
  const stored = { offers: createOfferStore(storage), statuses: createStatusStore(storage, statusRows) };
  const offerIndex = createOfferIndex(storage, stored);
  const catalog = createAppCatalog(storage);
  const activeSubmissions = createActiveSubmissions(storage);
  const webhooks = createWebhookStore(storage);
  const webhookCursors = createWebhookCursors(storage);
  // One per process: every kick of this process shares what it remembers.
  const endpoints = createEndpointDirectory(webhooks);
  const { offers, statuses } = withOfferIndex(stored, offerIndex, activeSubmissions);
  return {
    settings,
    storage,
    offers,
    statuses,
    offerIndex,
    activeSubmissions,
    listTokenKey: createListTokenKey(storage),
    submissions: createSubmissionStore(storage),
    history: createHistoryStore(storage),
    outbox: createNotificationOutbox(storage),
    timeline: createTimeline(storage, Boolean(settings.ACS_EMAIL_CONNECTION_STRING), statusRows),
    decisions: createDecisionStore(storage),
    packageReports: createPackageReportStore(storage),
    leads: createLeadStore(storage),
    questions: createQuestionStore(storage),
    appCatalog: catalog,
    appClaims: catalog,
    blobs: createBlobStore(storage),
    email: createEmailSender(settings),
    ingestion: createIngestionStore(storage),
    now,
    clockFor: (taskHub) =>
      taskHub && !runsInAzure(settings)
        ? hostOffsetClock(storage, taskHub, () => now().getTime())
        : systemClock(now),
    offerEvents: createOfferEventLog(storage),
    webhooks,
    endpoints,
    webhookDeliveries: createDeliveryLog(storage),
    webhookCursors,
    webhookDispatch: (client) =>
      createWebhookDispatch({ offers, endpoints, cursors: webhookCursors, stops: webhooks }, client),
  };
}

let services: Services | undefined;

/**
 * The composition root for registered functions: settings are read on the first invocation,
 * never at module load, so registration modules load anywhere (tests, the local host, Azure).
 */
export function getServices(): Services {
  try {
    services ??= createServices(loadConfig());
    return services;
  } catch (error) {
    if (error instanceof ConfigError) return unconfigured(error);
    throw error;
  }
}

/**
 * Handlers are built as `makeX(getServices())(request, context)`, outside the handler's own
 * error mapping. So an invalid configuration is not thrown here (the host would answer a bare
 * 500) but by the first use of a service, inside the handler, where it becomes `503 unavailable`.
 * The settings were already reported once at start (functions/getHealth.ts).
 */
function unconfigured(error: ConfigError): Services {
  return new Proxy({} as Services, {
    get() {
      throw error;
    },
  });
}
