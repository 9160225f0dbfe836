// Event Grid system topic of the storage account: Blob Storage publishes BlobCreated here, and the
// event subscription of infra/app/package-events.bicep (deployed after code deploy by
// infra/scripts/post-deploy.*) delivers those of container `packages` to the Event Grid trigger
// validatePackageBlob. The topic's system-assigned identity writes undeliverable events to the
// dead-letter container (no key).
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
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
output id string = topic.id
