// Durable Task Scheduler (durableBackend = 'DurableTaskScheduler' in main.bicep): the managed
// backend of Durable Functions, with one task hub named as host.json's hubName. The app's identity
// gets Durable Task Data Contributor on the task hub, the only access it has: the connection
// setting names the identity (Authentication=ManagedIdentity), no key exists.
param name string
param location string = resourceGroup().location
param tags object = {}
@description('The task hub: host.json extensions.durableTask.hubName.')
param taskHubName string
param managedIdentityPrincipalId string
@allowed(['Consumption', 'Dedicated'])
@description('Consumption: pay per orchestration action, for variable load. Dedicated: reserved capacity units.')
param skuName string = 'Consumption'

// Durable Task Data Contributor: start, query, raise and run orchestrations of the task hub.
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: skuName == 'Dedicated'
      ? {
          name: skuName
          capacity: 1
        }
      : {
          name: skuName
        }
    // The app reaches the scheduler over its public endpoint (Flex without a virtual network); an
    // empty list would refuse every caller. Access is by identity and role only.
    ipAllowlist: ['0.0.0.0/0']
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// Durable Task Data Contributor
resource taskHubContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskHub.id, managedIdentityPrincipalId, durableTaskDataContributor)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
