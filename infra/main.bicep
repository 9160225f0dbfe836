targetScope = 'subscription'

// Offer publishing pipeline: a Flex Consumption Function App (Node 22, Durable Functions) with a
// user-assigned identity, storage without shared keys, Application Insights without local auth,
// Azure Communication Services Email on an Azure-managed domain, and App Service Authentication
// (Entra ID). Layout and naming follow Azure-Samples/functions-quickstart-typescript-azd.

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and location it seeds the resource token.')
param environmentName string

// The regions that offer Flex Consumption (the list of Azure-Samples/functions-quickstart-typescript-azd,
// without the canary region; `az functionapp list-flexconsumption-locations` gives today's list).
// azd offers only these when it asks for a location; a deployment elsewhere is refused before it starts.
@minLength(1)
@description('Primary location of every regional resource: a region that offers Flex Consumption.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Application (client) id of the Entra ID app registration that protects the API (created beforehand: see infra/DEPLOY.md).')
@minLength(36)
param authClientId string

@description('Entra client ids of the CI applications that deliver with client-credential tokens (AL-Go, BcContainerHelper), comma-separated (azd: DELIVERY_CLIENT_IDS).')
param deliveryClientIds string = ''

@description('The Durable Functions backend: the storage account (AzureStorage) or the Durable Task Scheduler (see infra/DEPLOY.md).')
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string = 'AzureStorage'

@description('Durable Task Scheduler SKU (durableBackend DurableTaskScheduler only).')
@allowed(['Consumption', 'Dedicated'])
param durableSchedulerSku string = 'Consumption'

@description('Mailbox that receives the review escalation emails (REVIEW_ESCALATION_EMAIL).')
@minLength(3)
param reviewEscalationEmail string

@description('Support link printed in every email (SUPPORT_URL).')
@minLength(8)
param supportUrl string

@description('Base URL of links in emails and statusUrl (PUBLIC_BASE_URL). Empty: https://<function app default host name>.')
param publicBaseUrl string = ''

@description('Where ACS and the Email service keep data at rest (both must match).')
param acsDataLocation string = 'United States'


@description('Object id of the user running azd (AZURE_PRINCIPAL_ID): gets data roles on storage for debugging. Empty: none.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

param resourceGroupName string = ''

var abbrs = loadJsonContent('./abbreviations.json')
// One task hub name for both backends: the one host.json gives the Durable extension.
var taskHubName = loadJsonContent('../host.json').extensions.durableTask.hubName
var useScheduler = durableBackend == 'DurableTaskScheduler'
var deliveryClients = filter(map(split(deliveryClientIds, ','), id => trim(id)), id => !empty(id))
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
// Flex Consumption pulls the app package from this container (identity-based, see api.bicep).
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

// Names from shared/contracts/names.ts (CONTAINERS, TABLES); test/unit/settings.test.ts checks they match.
// The Durable task hub's own tables, queues and leases container are created by the runtime.
// The portal's origin(s): the browser PUTs package blocks straight to storage (CORS on the blob service).
var portalOrigins = union(
  ['https://${functionAppName}.azurewebsites.net'],
  empty(publicBaseUrl) ? [] : [publicBaseUrl]
)
var packagesContainerName = 'packages'
var appContainerNames = [
  packagesContainerName
  'storefront'
  'previews'
  'published'
  'submissions'
  'ingestion'
]
// OfferTimeline: an offer's status, submission records, history, email outbox and webhook events,
// one partition per offer, so a step change is one transaction (docs/operations.md).
var appTableNames = [
  'Offers'
  'OfferTimeline'
  'PackageReports'
  'ReviewDecisions'
  'Leads'
  'OfferCatalog'
  'OffersByPublisher'
  'AppCatalog'
  'ReviewQuestions'
  'IngestionProducts'
  'PublisherClients'
  'ActiveSubmissions'
  'WebhookEndpoints'
  'WebhookDeliveries'
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    containerNames: concat([deploymentStorageContainerName], appContainerNames)
    tableNames: appTableNames
    blobCorsOrigins: portalOrigins
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module email 'core/communication/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    communicationServiceName: '${abbrs.communicationServices}${resourceToken}'
    emailServiceName: '${abbrs.emailServices}${resourceToken}'
    dataLocation: acsDataLocation
    tags: tags
  }
}

module scheduler 'core/durable/scheduler.bicep' = if (useScheduler) {
  name: 'scheduler'
  scope: rg
  params: {
    name: '${abbrs.durableTaskSchedulers}${resourceToken}'
    location: location
    tags: tags
    taskHubName: taskHubName
    managedIdentityPrincipalId: identity.outputs.principalId
    skuName: durableSchedulerSku
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    acsEndpoint: email.outputs.endpoint
    acsSender: email.outputs.senderAddress
    publicBaseUrl: publicBaseUrl
    reviewEscalationEmail: reviewEscalationEmail
    supportUrl: supportUrl
    authClientId: authClientId
    deliveryClientIds: deliveryClients
    durableTaskSchedulerEndpoint: useScheduler ? scheduler!.outputs.endpoint : ''
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: email.outputs.communicationServiceName
    managedIdentityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

// Package validation starts from the BlobCreated event (an Event Grid trigger: no binding reads the
// blob). The topic is declared here; its subscription (infra/app/package-events.bicep, a WebHook
// destination with the Event Grid extension's system key) is deployed by infra/scripts/post-deploy.*
// once the function and its key exist.
module packagesTopic 'core/eventgrid/storage-system-topic.bicep' = {
  name: 'packagesTopic'
  scope: rg
  params: {
    name: '${abbrs.eventGridSystemTopics}packages-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AUTH_REDIRECT_URI string = api.outputs.authRedirectUri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output PACKAGES_CONTAINER_NAME string = packagesContainerName
output PACKAGES_SYSTEM_TOPIC_NAME string = packagesTopic.outputs.name
output PACKAGES_EVENT_FUNCTION_NAME string = 'validatePackageBlob'
output ACS_EMAIL_ENDPOINT string = email.outputs.endpoint
output ACS_EMAIL_SENDER string = email.outputs.senderAddress
// Read by the prepackage hook (infra/scripts/stage-package.js): host.json's storage provider.
output DURABLE_BACKEND string = durableBackend
output DURABLE_TASK_SCHEDULER_ENDPOINT string = useScheduler ? scheduler!.outputs.endpoint : ''
