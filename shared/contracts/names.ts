/**
 * Every registered function name. Names are stored in orchestration history:
 * never rename one while instances may be in flight; add a new name instead.
 */
export const FUNCTIONS = {
  putOffer: 'putOffer',
  getOffer: 'getOffer',
  listOffers: 'listOffers',
  uploadPackage: 'uploadPackage',
  getPackageValidation: 'getPackageValidation',
  uploadArtifact: 'uploadArtifact',
  publishOffer: 'publishOffer',
  getStatus: 'getStatus',
  goLive: 'goLive',
  cancelSubmission: 'cancelSubmission',
  submitReview: 'submitReview',
  getPreview: 'getPreview',
  getPreviewPackage: 'getPreviewPackage',
  listSubmissions: 'listSubmissions',
  getHistory: 'getHistory',
  listNotifications: 'listNotifications',
  getOpenApi: 'getOpenApi',
  validatePackageBlob: 'validatePackageBlob',
  portal: 'portal',
  portalAsset: 'portalAsset',
  /** Local mode only: the sample .app the portal offers to a newcomer. */
  getSamplePackage: 'getSamplePackage',
  createPackageUploadUrl: 'createPackageUploadUrl',
  getHealth: 'getHealth',
  checkOffer: 'checkOffer',
  listQuestions: 'listQuestions',
  askQuestion: 'askQuestion',
  answerQuestion: 'answerQuestion',
  resolveQuestion: 'resolveQuestion',
  ingestionProduct: 'ingestionProduct',
  ingestionProductSetup: 'ingestionProductSetup',
  ingestionBranches: 'ingestionBranches',
  ingestionPackageConfigurations: 'ingestionPackageConfigurations',
  ingestionPackages: 'ingestionPackages',
  ingestionPackage: 'ingestionPackage',
  ingestionProperties: 'ingestionProperties',
  ingestionSubmissions: 'ingestionSubmissions',
  ingestionSubmission: 'ingestionSubmission',
  ingestionWorkflowDetails: 'ingestionWorkflowDetails',
  ingestionPromote: 'ingestionPromote',
  ingestionValidations: 'ingestionValidations',
  issueLocalToken: 'issueLocalToken',
  putPublisherClient: 'putPublisherClient',
  setPublishDate: 'setPublishDate',
  /** Timer: ends orphaned submissions and repairs derived rows (reconcile/). */
  reconcileSubmissions: 'reconcileSubmissions',
  /** Webhooks (api.md "Webhooks"): subscriptions, ping, the delivery log and redelivery. */
  createWebhook: 'createWebhook',
  listWebhooks: 'listWebhooks',
  getWebhook: 'getWebhook',
  updateWebhook: 'updateWebhook',
  deleteWebhook: 'deleteWebhook',
  rotateWebhookSecret: 'rotateWebhookSecret',
  pingWebhook: 'pingWebhook',
  listWebhookDeliveries: 'listWebhookDeliveries',
  redeliverWebhook: 'redeliverWebhook',
} as const;

export const ORCHESTRATORS = {
  publishSubmission: 'publishSubmission',
  /** One per (webhook endpoint, offer): delivers the offer's events in order, with backoff. */
  deliverWebhooks: 'deliverWebhooks',
  /** One delivery outside the order (a ping, a redelivery), with the same backoff. */
  deliverWebhookOnce: 'deliverWebhookOnce',
} as const;

export const ACTIVITIES = {
  /** A step change: status, history, record, email and events in one write. */
  recordStepChange: 'recordStepChange',
  validatePrerequisites: 'validatePrerequisites',
  readPackageReport: 'readPackageReport',
  validateTestDrive: 'validateTestDrive',
  sendTestLead: 'sendTestLead',
  buildPreviewPackage: 'buildPreviewPackage',
  sendReminder: 'sendReminder',
  escalateReview: 'escalateReview',
  publishPackage: 'publishPackage',
  nextWebhookEvent: 'nextWebhookEvent',
  attemptWebhookDelivery: 'attemptWebhookDelivery',
  parkWebhookDelivery: 'parkWebhookDelivery',
} as const;

/** External events raised to a submission's orchestration. */
export const EVENTS = {
  packageReport: 'PackageReport',
  goLive: 'GoLive',
  cancel: 'Cancel',
  reviewDecision: 'ReviewDecision',
  /** An Admin moved or cleared the promised date of a submission waiting in step 8. */
  publishDate: 'PublishDate',
} as const;

/** Blob containers and tables the app uses (created on first use; infra creates them in Azure). */
export const CONTAINERS = {
  packages: 'packages',
  storefront: 'storefront',
  previews: 'previews',
  published: 'published',
  /** Offer snapshots taken at Publish: `{offerId}/{submissionId}/offer.json`. */
  submissions: 'submissions',
  /** Files a delivery script uploads through an ingestion fileSasUri: `{productId}-{packageId}`. */
  ingestion: 'ingestion',
} as const;

export const TABLES = {
  offers: 'Offers',
  /**
   * An offer's workflow, one partition per offer (docs/operations.md "Storage layout"): its status
   * row, submission records, step history, email outbox and webhook events, so that a step change
   * is one entity-group transaction. Each webhook endpoint's delivery cursor for the offer is a
   * row there too (`cursor|{webhookId}`).
   */
  timeline: 'OfferTimeline',
  packageReports: 'PackageReports',
  decisions: 'ReviewDecisions',
  leads: 'Leads',
  /** Read models of "All offers" for Admin and reviewers: every offer, and offers by state. */
  offerCatalog: 'OfferCatalog',
  /** Read model of "All offers" for a publisher: a partition per publisher, rows per offer. */
  offersByPublisher: 'OffersByPublisher',
  /** One row per (app id, offer): which offers use an app id, and at which live version. */
  appCatalog: 'AppCatalog',
  /** Questions during review (step 7) and their answers; a row per question, answer and open set. */
  questions: 'ReviewQuestions',
  /** The ingestion front door: productId -> offer lookup row and the product's packages. */
  ingestionProducts: 'IngestionProducts',
  /** Entra client id -> publisher id (PUT /api/admin/publisher-clients/{clientId}). */
  publisherClients: 'PublisherClients',
  /** The reconciler's watch list: offers with an active submission, offers with stale lists. */
  activeSubmissions: 'ActiveSubmissions',
  /** Webhook endpoints: a partition per owner (`owner|{publisherId}`, `owner|*admin`), a row per endpoint. */
  webhooks: 'WebhookEndpoints',
  /** The webhook delivery log: a partition per endpoint, rows newest first, kept 30 days. */
  webhookDeliveries: 'WebhookDeliveries',
} as const;

/**
 * Written by the local host only (devhost/clock.ts `CLOCK_TABLE`): its clock offset per task hub.
 * Not in TABLES: it never exists in Azure, where the app reads the system clock.
 */
export const HOST_CLOCK_TABLE = 'DevhostClock';
