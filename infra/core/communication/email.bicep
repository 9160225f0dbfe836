// Azure Communication Services Email: an Email Communication Service with an Azure-managed domain
// (<guid>.azurecomm.net, verified by Azure, no DNS work) and its DoNotReply sender, and the
// Communication Service linked to that domain. The app sends through the Communication Service
// endpoint with its managed identity (role in app/rbac.bicep), never with an access key.
param communicationServiceName string
param emailServiceName string
@description('Data location shared by both resources (they must match to be linked).')
param dataLocation string = 'United States'
param tags object = {}

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// An Azure-managed domain must be named 'AzureManagedDomain'.
resource domain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

// The default sender of an Azure-managed domain (custom usernames need a custom domain).
resource sender 'Microsoft.Communication/emailServices/domains/senderUsernames@2023-04-01' = {
  parent: domain
  name: 'donotreply'
  properties: {
    username: 'DoNotReply'
    displayName: 'DoNotReply'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      domain.id
    ]
  }
}

output communicationServiceName string = communicationService.name
output communicationServiceId string = communicationService.id
output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = '${sender.properties.username}@${domain.properties.mailFromSenderDomain}'
