# azd postdeploy hook (Windows): same as post-deploy.sh. Subscribes the `packages` container's
# BlobCreated events to the Event Grid trigger validatePackageBlob (infra/app/package-events.bicep)
# through a WebHook destination with the Event Grid extension's system key, once the deployed
# function and its key exist. Every az call names azd's subscription (AZURE_SUBSCRIPTION_ID); the
# key is never printed and reaches the deployment through a parameters file removed on exit.
$ErrorActionPreference = 'Stop'

foreach ($v in 'AZURE_SUBSCRIPTION_ID', 'AZURE_FUNCTION_APP_NAME', 'RESOURCE_GROUP', 'PACKAGES_SYSTEM_TOPIC_NAME', 'PACKAGES_CONTAINER_NAME', 'PACKAGES_EVENT_FUNCTION_NAME', 'AZURE_STORAGE_ACCOUNT_NAME', 'SERVICE_API_URI') {
  if (-not [Environment]::GetEnvironmentVariable($v)) { throw "post-deploy: $v is not set (run through azd, after azd provision)" }
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw 'post-deploy: the Azure CLI (az) is required' }
$sub = $env:AZURE_SUBSCRIPTION_ID
$app = @('-n', $env:AZURE_FUNCTION_APP_NAME, '-g', $env:RESOURCE_GROUP, '--subscription', $sub)

$ready = $false
for ($attempt = 1; $attempt -le 20 -and -not $ready; $attempt++) {
  try { Invoke-WebRequest -Uri "$env:SERVICE_API_URI/api/health" -UseBasicParsing -ErrorAction SilentlyContinue | Out-Null } catch { }
  $found = az functionapp function show @app --function-name $env:PACKAGES_EVENT_FUNCTION_NAME --query name -o tsv 2>$null
  if ($found) {
    $names = az functionapp keys list @app --query 'keys(systemKeys)' -o tsv 2>$null
    $ready = [bool]($names | Where-Object { $_ -match '\beventgrid_extension\b' })
  }
  if (-not $ready) { Start-Sleep -Seconds 15 }
}
if (-not $ready) { throw "post-deploy: function $env:PACKAGES_EVENT_FUNCTION_NAME or its Event Grid key not found on $env:AZURE_FUNCTION_APP_NAME in subscription $sub; was the code deployed?" }

$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ([System.IO.Path]::GetRandomFileName())
New-Item -ItemType Directory -Path $tmp | Out-Null
$paramsFile = Join-Path $tmp 'key.parameters.json'
try {
  $key = az functionapp keys list @app --query systemKeys.eventgrid_extension -o tsv
  if ($LASTEXITCODE -ne 0 -or -not $key) { throw 'post-deploy: reading the Event Grid extension key failed' }
  @{
    '$schema'      = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#'
    contentVersion = '1.0.0.0'
    parameters     = @{ eventGridExtensionKey = @{ value = $key } }
  } | ConvertTo-Json -Depth 4 | Set-Content -Path $paramsFile -Encoding utf8
  $key = $null

  az deployment group create `
    --subscription $sub `
    --name package-events `
    --resource-group $env:RESOURCE_GROUP `
    --template-file (Join-Path $PSScriptRoot '../app/package-events.bicep') `
    --parameters "@$paramsFile" `
    --parameters systemTopicName=$env:PACKAGES_SYSTEM_TOPIC_NAME functionAppName=$env:AZURE_FUNCTION_APP_NAME `
    functionName=$env:PACKAGES_EVENT_FUNCTION_NAME storageAccountName=$env:AZURE_STORAGE_ACCOUNT_NAME `
    packagesContainerName=$env:PACKAGES_CONTAINER_NAME `
    --output none
  if ($LASTEXITCODE -ne 0) { throw 'post-deploy: deploying the Event Grid subscription failed' }
}
finally {
  Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue
}
Write-Host "post-deploy: Event Grid subscription packages-blob-created -> $env:PACKAGES_EVENT_FUNCTION_NAME (WebHook, system key)"

# The app checks its settings once at start; /api/health says whether it can serve (never a value).
try { $health = Invoke-WebRequest -Uri "$env:SERVICE_API_URI/api/health" -UseBasicParsing -SkipHttpErrorCheck; Write-Host "post-deploy: $env:SERVICE_API_URI/api/health -> $($health.Content) (HTTP $($health.StatusCode))" } catch { Write-Host "post-deploy: $env:SERVICE_API_URI/api/health did not answer" }
if ($env:AUTH_REDIRECT_URI) { Write-Host "post-deploy: browser sign-in needs $env:AUTH_REDIRECT_URI as a Web redirect URI of the app registration (infra/DEPLOY.md, step 3)" }
