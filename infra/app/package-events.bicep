// BlobCreated events of container `packages` -> the Event Grid trigger `validatePackageBlob`.
// Deployed by the postdeploy hook (infra/scripts/post-deploy.*) once the code is deployed and the
// host has created the Event Grid extension's system key.
// Auth: a WebHook destination, the form Event Grid documents for a function app protected by Entra
// ID (and the one the official Flex Event Grid sample uses): the trigger's webhook URL with the
// `eventgrid_extension` system key as `code`. The hook reads the key and passes it here as a secure
// parameter through a parameters file (never on a command line, in an output or in a log); Event
// Grid keeps the URL and returns only its base. The extension answers the subscription's validation
// handshake itself.
// Undeliverable events are dead-lettered to a container with the system topic's own identity.
param systemTopicName string
param functionAppName string
param functionName string = 'validatePackageBlob'
param storageAccountName string
param packagesContainerName string = 'packages'
param deadLetterContainerName string = 'package-events-deadletter'
@secure()
@description('The Event Grid extension\'s system key (`eventgrid_extension`), read by the postdeploy hook.')
param eventGridExtensionKey string
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

// https://<app>/runtime/webhooks/eventgrid?functionName=<function>&code=<system key>
var webhookUrl = 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/eventgrid?functionName=${functionName}&code=${uriComponent(eventGridExtensionKey)}'

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
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
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
