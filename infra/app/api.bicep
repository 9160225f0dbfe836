// The Function App on Flex Consumption (Node 22) with its plan, identity-based app settings and
// App Service Authentication. Settings are the names of shared/config.ts; test/unit/settings.test.ts
// reads the `appSettings` block below and fails when the code reads a name that is not set here.
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}
param applicationInsightsName string
param storageAccountName string
param deploymentStorageContainerName string
param identityId string
param identityClientId string
param acsEndpoint string
param acsSender string
param publicBaseUrl string = ''
param reviewEscalationEmail string
param supportUrl string
param authClientId string
// Entra client ids of the CI applications (AL-Go's appSourceContext) allowed to call with
// client-credential tokens (azd: DELIVERY_CLIENT_IDS). The app maps each client id to a publisher
// (PUT /api/admin/publisher-clients). Easy Auth accepts tokens from these, the API's own app
// registration and the Azure CLI only (allowedApplications below).
param deliveryClientIds array = []
// Empty: Durable Functions keeps its state in the storage account (AzureStorage). Otherwise the
// Durable Task Scheduler's endpoint (infra/core/durable/scheduler.bicep); the deployed host.json
// then names the connection setting below (infra/scripts/stage-package.js).
param durableTaskSchedulerEndpoint string = ''
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100
@description('Instances of the `durable` group (orchestrator, activity and entity triggers) kept warm: Flex\'s recommendation for Durable Functions.')
param durableAlwaysReady int = 1

// Clients whose tokens Easy Auth accepts besides the delivery pipelines: the API's own app
// registration (browser sign-in, the portal) and the Azure CLI, with which infra/DEPLOY.md's
// checks after deploy get a user token (`az account get-access-token --scope api://<appId>/...`).
var azureCliClientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Flex scales the durable triggers as one group; a warm instance picks up orchestration
        // work without waiting for a cold start (Flex's guidance for Durable Functions).
        alwaysReady: [
          {
            name: 'durable'
            instanceCount: durableAlwaysReady
          }
        ]
      }
      // Node 22: the Flex default and the version package.json engines, the npm package `node`
      // (local runs, tests, CI) and the dependencies' own engines ask for.
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Identity-based connections only: no account key, connection string with a key, or ACS access key.
// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION here (the runtime
// comes from functionAppConfig), and WEBSITE_HOSTNAME / WEBSITE_AUTH_ENABLED are set by the platform
// (the latter to "true" by the authsettingsV2 resource below).
var appSettings = {
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // The connection string only locates the ingestion endpoint: with DisableLocalAuth the
  // instrumentation key in it authorises nothing; the identity below does.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // DefaultAzureCredential (ACS email, the app's Table and Blob clients) picks the user-assigned identity.
  AZURE_CLIENT_ID: identityClientId
  ACS_EMAIL_ENDPOINT: acsEndpoint
  ACS_EMAIL_SENDER: acsSender
  PUBLIC_BASE_URL: empty(publicBaseUrl) ? 'https://${functionApp.properties.defaultHostName}' : publicBaseUrl
  REVIEW_ESCALATION_EMAIL: reviewEscalationEmail
  SUPPORT_URL: supportUrl
  // The app trusts the identity header only behind App Service Authentication, configured by the
  // authsettingsV2 resource below. Whether Flex sets WEBSITE_AUTH_ENABLED is not documented, so
  // this deployment says it itself (shared/config.ts identitySource; 503 naming it when missing).
  APP_SERVICE_AUTH_ENABLED: 'true'
  PACKAGE_VALIDATION_TIMEOUT: 'PT1H'
  SIGNOFF_REMINDER_INTERVAL: 'P3D'
  REVIEW_SLA_BUSINESS_DAYS: '7'
  MAX_PACKAGE_BYTES: '209715200'
  MAX_ARTIFACT_BYTES: '10485760'
  MAX_JSON_BODY_BYTES: '1048576'
  TEST_DRIVE_PROBE_TIMEOUT_MS: '10000'
  LEAD_DELIVERY_TIMEOUT_MS: '10000'
  // Outbound calls stay outside: no loopback, no plain http for Test Drive probes and lead deliveries.
  OUTBOUND_ALLOW_LOOPBACK: 'false'
}

// The Durable Task Scheduler variant: host.json's storageProvider (azureManaged) names this setting;
// the identity holds Durable Task Data Contributor on the task hub.
var schedulerSettings = empty(durableTaskSchedulerEndpoint)
  ? {}
  : {
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
    }

resource appSettingsConfig 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(appSettings, schedulerSettings)
}

// App Service Authentication (Easy Auth) with Entra ID, in front of every request. It validates a
// bearer token (scripts) or its session cookie (browsers, after /.auth/login/aad), strips any
// x-ms-client-principal a caller sends and injects its own with the `roles` and `publisher_id` claims.
// It lets unauthenticated requests through (AllowAnonymous) instead of answering them itself,
// because three kinds must pass without a token and excludedPaths cannot name them all (it
// documents no wildcard in the middle of a path): the preview routes /api/offers/{id}/preview and
// /api/offers/{id}/preview/package (their hidekey is the credential), Event Grid's deliveries to
// /runtime/webhooks/eventgrid (a WebHook destination whose URL carries the Event Grid extension's
// system key, infra/app/package-events.bicep), and the health probe. The app itself answers 401 unauthenticated to
// every other route without a principal (shared/http/principal.ts), and the portal page sends a
// browser without a session to /.auth/login/aad?post_login_redirect_uri=<the page> (see DEPLOY.md).
// Without a client secret the browser sign-in uses the OpenID Connect implicit flow (ID tokens).
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
      redirectToProvider: 'azureactivedirectory'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        // Client-credential tokens (New-BcAuthContext with scopes 'api://<authClientId>/') have the
        // API's audience and no user: they pass when their client id is listed. Entra issues one
        // only to an application holding the app role `Delivery` ("Assignment required", DEPLOY.md).
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
            authClientId
          ]
          defaultAuthorizationPolicy: {
            allowedApplications: union([authClientId, azureCliClientId], deliveryClientIds)
          }
        }
        login: {
          disableWWWAuthenticate: false
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
      routes: {
        apiPrefix: '/.auth'
      }
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
output defaultHostName string = functionApp.properties.defaultHostName
// Register it as the app registration's web redirect URI (infra/DEPLOY.md, step 3).
output authRedirectUri string = 'https://${functionApp.properties.defaultHostName}/.auth/login/aad/callback'
