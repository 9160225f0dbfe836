// Event Grid system topic of the storage account. On Flex Consumption a blob trigger must use the
// Event Grid source: Blob Storage publishes BlobCreated here, and an event subscription (created
// after deploy by infra/scripts/post-deploy.*) pushes it to the Functions blobs webhook.
param name string
param location string = resourceGroup().location
param tags object = {}
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
output id string = topic.id
