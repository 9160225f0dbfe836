# azd postdeploy hook (Windows): same as post-deploy.sh. Subscribes the `packages` container's
# BlobCreated events to the Functions blobs webhook once the blobs_extension system key exists.
$ErrorActionPreference = 'Stop'

foreach ($v in 'AZURE_FUNCTION_APP_NAME', 'RESOURCE_GROUP', 'PACKAGES_SYSTEM_TOPIC_NAME', 'PACKAGES_CONTAINER_NAME', 'PACKAGES_BLOB_FUNCTION_NAME', 'SERVICE_API_URI') {
  if (-not [Environment]::GetEnvironmentVariable($v)) { throw "post-deploy: $v is not set (run through azd, after azd provision)" }
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'post-deploy: the Azure CLI (az) is required' }

$key = ''
for ($attempt = 1; $attempt -le 12 -and -not $key; $attempt++) {
  try { Invoke-WebRequest -Uri "$env:SERVICE_API_URI/api/health" -UseBasicParsing -ErrorAction SilentlyContinue | Out-Null } catch { }
  $key = az functionapp keys list -n $env:AZURE_FUNCTION_APP_NAME -g $env:RESOURCE_GROUP --query 'systemKeys.blobs_extension' -o tsv 2>$null
  if (-not $key) { Start-Sleep -Seconds 15 }
}
if (-not $key) { throw "post-deploy: no blobs_extension system key on $env:AZURE_FUNCTION_APP_NAME; is the blob trigger registered with source 'EventGrid'?" }

$endpoint = "$env:SERVICE_API_URI/runtime/webhooks/blobs?functionName=Host.Functions.$env:PACKAGES_BLOB_FUNCTION_NAME&code=$key"
az eventgrid system-topic event-subscription create `
  --name 'packages-blob-created' `
  --resource-group $env:RESOURCE_GROUP `
  --system-topic-name $env:PACKAGES_SYSTEM_TOPIC_NAME `
  --endpoint-type webhook `
  --endpoint $endpoint `
  --included-event-types Microsoft.Storage.BlobCreated `
  --subject-begins-with "/blobServices/default/containers/$env:PACKAGES_CONTAINER_NAME/" `
  --output none
if ($LASTEXITCODE -ne 0) { throw 'post-deploy: creating the Event Grid subscription failed' }
Write-Host "post-deploy: Event Grid subscription packages-blob-created -> $env:PACKAGES_BLOB_FUNCTION_NAME"

# The app checks its settings once at start; /api/health says whether it can serve (never a value).
try { $health = Invoke-WebRequest -Uri "$env:SERVICE_API_URI/api/health" -UseBasicParsing -SkipHttpErrorCheck; Write-Host "post-deploy: $env:SERVICE_API_URI/api/health -> $($health.Content) (HTTP $($health.StatusCode))" } catch { Write-Host "post-deploy: $env:SERVICE_API_URI/api/health did not answer" }
if ($env:AUTH_REDIRECT_URI) { Write-Host "post-deploy: browser sign-in needs $env:AUTH_REDIRECT_URI as a Web redirect URI of the app registration (infra/DEPLOY.md, step 3)" }
