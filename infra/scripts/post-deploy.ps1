# azd postdeploy hook (Windows): same as post-deploy.sh. Subscribes the `packages` container's
# BlobCreated events to the Event Grid trigger validatePackageBlob (infra/app/package-events.bicep)
# once the deployed function exists.
$ErrorActionPreference = 'Stop'

foreach ($v in 'AZURE_FUNCTION_APP_NAME', 'RESOURCE_GROUP', 'PACKAGES_SYSTEM_TOPIC_NAME', 'PACKAGES_CONTAINER_NAME', 'PACKAGES_EVENT_FUNCTION_NAME', 'AZURE_STORAGE_ACCOUNT_NAME', 'SERVICE_API_URI') {
  if (-not [Environment]::GetEnvironmentVariable($v)) { throw "post-deploy: $v is not set (run through azd, after azd provision)" }
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'post-deploy: the Azure CLI (az) is required' }

$found = ''
for ($attempt = 1; $attempt -le 20 -and -not $found; $attempt++) {
  try { Invoke-WebRequest -Uri "$env:SERVICE_API_URI/api/health" -UseBasicParsing -ErrorAction SilentlyContinue | Out-Null } catch { }
  $found = az functionapp function show -n $env:AZURE_FUNCTION_APP_NAME -g $env:RESOURCE_GROUP --function-name $env:PACKAGES_EVENT_FUNCTION_NAME --query name -o tsv 2>$null
  if (-not $found) { Start-Sleep -Seconds 15 }
}
if (-not $found) { throw "post-deploy: function $env:PACKAGES_EVENT_FUNCTION_NAME not found on $env:AZURE_FUNCTION_APP_NAME; was the code deployed?" }

az deployment group create `
  --name package-events `
  --resource-group $env:RESOURCE_GROUP `
  --template-file (Join-Path $PSScriptRoot '../app/package-events.bicep') `
  --parameters systemTopicName=$env:PACKAGES_SYSTEM_TOPIC_NAME functionAppName=$env:AZURE_FUNCTION_APP_NAME `
    functionName=$env:PACKAGES_EVENT_FUNCTION_NAME storageAccountName=$env:AZURE_STORAGE_ACCOUNT_NAME `
    packagesContainerName=$env:PACKAGES_CONTAINER_NAME `
  --output none
if ($LASTEXITCODE -ne 0) { throw 'post-deploy: deploying the Event Grid subscription failed' }
Write-Host "post-deploy: Event Grid subscription packages-blob-created -> $env:PACKAGES_EVENT_FUNCTION_NAME"

# The app checks its settings once at start; /api/health says whether it can serve (never a value).
try { $health = Invoke-WebRequest -Uri "$env:SERVICE_API_URI/api/health" -UseBasicParsing -SkipHttpErrorCheck; Write-Host "post-deploy: $env:SERVICE_API_URI/api/health -> $($health.Content) (HTTP $($health.StatusCode))" } catch { Write-Host "post-deploy: $env:SERVICE_API_URI/api/health did not answer" }
if ($env:AUTH_REDIRECT_URI) { Write-Host "post-deploy: browser sign-in needs $env:AUTH_REDIRECT_URI as a Web redirect URI of the app registration (infra/DEPLOY.md, step 3)" }
