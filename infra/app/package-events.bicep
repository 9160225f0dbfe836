// BlobCreated events of container `packages` -> the Event Grid trigger `validatePackageBlob`.
// Deployed by the postdeploy hook (infra/scripts/post-deploy.*) once the code is deployed: an
// AzureFunction destination names the function resource, which exists only after code deploy.
// Auth: Event Grid delivers to the function through its resource id (it fetches the function's
// Event Grid extension key itself; no key passes through azd, the scripts or the app settings).
// Undeliverable events are dead-lettered to a container with the system topic's own identity.
param systemTopicName string
param functionAppName string
param functionName string = 'validatePackageBlob'
param storageAccountName string
param packagesContainerName string = 'packages'
param deadLetterContainerName string = 'package-events-deadletter'
@description('Deliveries per event before it is dead-lettered (MAX_VALIDATION_ATTEMPTS in functions/validatePackageBlob.ts).')
param maxDeliveryAttempts int = 5

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource deadLetters 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource validateFunction 'Microsoft.Web/sites/functions@2024-04-01' existing = {
  parent: functionApp
  name: functionName
}

// Storage Blob Data Contributor for the topic's identity, on the dead-letter container only.
var blobDataContributor = subscriptionResourceId(
  'Microsoft.Authorization/roleDefinitions',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
)

// The name is known at the deployment's start (the topic's id, not its identity's principal id).
var topicId = topic.id

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetters.id, topicId, blobDataContributor)
  scope: deadLetters
  properties: {
    roleDefinitionId: blobDataContributor
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'packages-blob-created'
  dependsOn: [deadLetterWriter]
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: validateFunction.id
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      subjectBeginsWith: '/blobServices/default/containers/${packagesContainerName}/blobs/'
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output subscriptionName string = subscription.name
