// Reach in Azure, with no secret anywhere: one user-assigned managed identity is the bot's
// identity (Azure Bot, MicrosoftAppType=UserAssignedMSI) and Reach's identity towards
// Cosmos DB (REACH_COSMOS_AUTH=managed-identity, Entra ID data-plane roles). Cosmos DB keys
// are switched off (disableLocalAuth), and the web app gets no password, key or
// connection string. Deployed by `arm/deploy` in m365agents.yml with azure.parameters.json;
// its outputs are written to env/.env.<environment> by the Agents Toolkit (docs/deployment.md).

@minLength(4)
@maxLength(20)
@description('Lower-case letters and digits: the base of every resource name (the web app, the bot and the Cosmos DB account need names that are unique in Azure).')
param resourceBaseName string

@description('Azure region of the App Service plan, the web app, the identity and Cosmos DB. The Azure Bot itself is global.')
param location string = resourceGroup().location

@description('App Service plan size (Linux). B1 or larger: Reach must run continuously (Always On) for its delivery worker.')
param webAppSku string = 'B1'

@maxLength(42)
@description('The name the Azure Bot shows.')
param botDisplayName string = 'Reach'

@allowed([
  'F0'
  'S1'
])
@description('Azure Bot pricing tier: F0 is free (Teams is a standard channel, not metered).')
param botServiceSku string = 'F0'

@allowed([
  'canonical'
  'oulad'
  'oea'
])
@description('REACH_SOURCE: the format of the exports in the data folder.')
param reachSource string = 'canonical'

@description('REACH_DATA: the folder the nightly exports (students, staff, attendance, activity) are copied to.')
param reachDataPath string = '/home/reach/data'

@description('REACH_POLICIES: a policy file, or a folder of them.')
param reachPoliciesPath string = '/home/reach/policies'

@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
  'trace'
  'silent'
])
@description('REACH_LOG_LEVEL: how much Reach logs (to the App Service log stream).')
param reachLogLevel string = 'info'

@description('REACH_COSMOS_DATABASE: the Cosmos DB database Reach keeps its cases in.')
param cosmosDatabaseName string = 'reach'

// Where the data and policy folders live
// --------------------------------------
// A path under /home, not an Azure Files mount. On App Service for Linux /home is persistent
// storage shared by every instance of the app, kept across restarts, scale-out and deploys
// (a deploy replaces /home/site/wwwroot only, so /home/reach is never touched by one). A
// mounted Azure Files share would need the storage account's access key in the site's
// configuration (App Service mounts shares with a key, not with a managed identity), which
// is the kind of secret this template has none of. The school's export job copies files
// into /home/reach/data through the app's Kudu (SCM) site, signed in with Entra ID; the
// engagement lead's policies go into /home/reach/policies the same way (docs/deployment.md).

// Reach's identity: the bot's app id, and the principal Cosmos DB grants data access to.
// Reach also calls Microsoft Graph with it, to install itself for a student it messages
// (application permission TeamsAppInstallation.ReadWriteSelfForUser.All). This template
// cannot grant that: admin consent to a Graph application permission is given in Entra ID
// by an administrator, after provisioning (docs/deployment.md, "Messages to students").
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-identity'
  location: location
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${resourceBaseName}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
  }
  properties: {
    reserved: true // Linux
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: '${resourceBaseName}-cosmos'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    // Serverless: billed per request, which suits one school's daily runs and card clicks.
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    // Entra ID only: no account key exists that could be used, leaked or rotated.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
  }
}

// The database and containers Reach uses (src/store/cosmos/cosmos-store.ts), made here:
// creating a database or container is a control-plane operation that a data-plane role
// cannot do, so Reach finds them ready and only reads their metadata when it starts.
resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: cosmosDatabaseName
  properties: {
    resource: {
      id: cosmosDatabaseName
    }
  }
}

resource casesContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'cases'
  properties: {
    resource: {
      id: 'cases'
      partitionKey: {
        paths: [
          '/policyId'
        ]
        kind: 'Hash'
      }
      // TTL on with no default expiry: only lease documents (which carry a ttl) expire.
      defaultTtl: -1
    }
  }
}

resource outboxContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'outbox'
  properties: {
    resource: {
      id: 'outbox'
      partitionKey: {
        paths: [
          '/policyId'
        ]
        kind: 'Hash'
      }
    }
  }
}

resource auditContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: database
  name: 'audit'
  properties: {
    resource: {
      id: 'audit'
      partitionKey: {
        paths: [
          '/policyId'
        ]
        kind: 'Hash'
      }
    }
  }
}

// The built-in "Cosmos DB Built-in Data Contributor" role (read and write items, read
// metadata), granted to Reach's identity on Reach's database only.
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource cosmosDataAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, identity.id, cosmosDataContributorRoleId)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
    principalId: identity.properties.principalId
    scope: '${cosmos.id}/dbs/${cosmosDatabaseName}'
  }
  dependsOn: [
    database
  ]
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'npm run serve'
      alwaysOn: true
      healthCheckPath: '/health'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      // Reach's own settings (src/app/config.ts, src/app/store-settings.ts), then two that
      // Reach does not read itself: AZURE_CLIENT_ID tells @azure/identity's
      // DefaultAzureCredential which managed identity to use for Cosmos DB (the app has a
      // user-assigned identity only), and SCM_DO_BUILD_DURING_DEPLOYMENT has App Service run
      // `npm install` on Linux after a zip deploy, so that the native and per-platform
      // packages (better-sqlite3, esbuild under tsx) are the Linux ones whatever machine
      // the deploy came from. PORT is set by App Service.
      appSettings: [
        {
          name: 'MicrosoftAppId'
          value: identity.properties.clientId
        }
        {
          name: 'MicrosoftAppType'
          value: 'UserAssignedMSI'
        }
        {
          name: 'MicrosoftAppTenantId'
          value: identity.properties.tenantId
        }
        {
          name: 'REACH_STORE'
          value: 'cosmos'
        }
        {
          name: 'REACH_COSMOS_ENDPOINT'
          value: cosmos.properties.documentEndpoint
        }
        {
          name: 'REACH_COSMOS_DATABASE'
          value: cosmosDatabaseName
        }
        {
          name: 'REACH_COSMOS_AUTH'
          value: 'managed-identity'
        }
        {
          name: 'REACH_DATA'
          value: reachDataPath
        }
        {
          name: 'REACH_SOURCE'
          value: reachSource
        }
        {
          name: 'REACH_POLICIES'
          value: reachPoliciesPath
        }
        {
          name: 'REACH_LOG_LEVEL'
          value: reachLogLevel
        }
        {
          name: 'AZURE_CLIENT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'SCM_DO_BUILD_DURING_DEPLOYMENT'
          value: 'true'
        }
      ]
    }
  }
}

// No publishing passwords either: FTP and basic auth to the SCM site are off. The Agents
// Toolkit's zip deploy and the Kudu file upload sign in with Entra ID.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: webApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: webApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// The Azure Bot: Teams sends the bot's activities to the web app's /api/messages, and the
// bot authenticates as the managed identity (no app registration, no client secret).
resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: resourceBaseName
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: identity.properties.clientId
    msaAppMSIResourceId: identity.id
    msaAppTenantId: identity.properties.tenantId
    msaAppType: 'UserAssignedMSI'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// Written to env/.env.<environment> by the Agents Toolkit (names as they are here).
// BOT_ID is the bot's Microsoft App ID: appPackage/manifest.json uses it as the Teams app
// id and the bot id.
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output REACH_COSMOS_ENDPOINT string = cosmos.properties.documentEndpoint
