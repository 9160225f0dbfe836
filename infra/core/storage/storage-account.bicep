// Storage for the Functions host, Durable Functions (queues, tables, leases), the app's tables and
// blob containers, and the Flex Consumption deployment package. Shared keys are disabled: every
// client authenticates with Entra ID (the app's managed identity, see app/rbac.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}
param containerNames array
param tableNames array
@description('Origins whose pages may PUT package bytes straight to blob storage with an upload URL (the portal).')
param blobCorsOrigins array = []

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'
    // The portal uploads packages with a write-only SAS URL from POST .../package/upload-url: the
    // browser PUTs blocks (Put Block, Put Block List) straight to this endpoint, cross-origin.
    properties: {
      cors: {
        corsRules: empty(blobCorsOrigins)
          ? []
          : [
              {
                allowedOrigins: blobCorsOrigins
                allowedMethods: ['PUT', 'OPTIONS']
                allowedHeaders: ['content-type', 'content-length', 'x-ms-*']
                exposedHeaders: ['x-ms-request-id', 'x-ms-version', 'etag']
                maxAgeInSeconds: 3600
              }
            ]
      }
    }
    resource containers 'containers' = [
      for containerName in containerNames: {
        name: containerName
        properties: {
          publicAccess: 'None'
        }
      }
    ]
  }

  resource tableServices 'tableServices' = {
    name: 'default'
    resource tables 'tables' = [
      for tableName in tableNames: {
        name: tableName
      }
    ]
  }

  // Durable Functions creates its control and work-item queues here at start-up.
  resource queueServices 'queueServices' = {
    name: 'default'
  }
}

// Files a delivery script uploaded through an ingestion fileSasUri that the app let go of, or a
// scratch blob of a library check that a crash left behind: deleted after 7 days. The app empties
// or deletes what it drops itself; this is the backstop (issue 28 item 10).
resource ingestionCleanup 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'ingestion-staging'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['ingestion/']
            }
            actions: {
              baseBlob: {
                delete: { daysAfterModificationGreaterThan: 7 }
              }
            }
          }
        }
      ]
    }
  }
}

output name string = storage.name
output id string = storage.id
output primaryBlobEndpoint string = storage.properties.primaryEndpoints.blob
output primaryQueueEndpoint string = storage.properties.primaryEndpoints.queue
output primaryTableEndpoint string = storage.properties.primaryEndpoints.table
