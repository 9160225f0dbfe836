#!/bin/sh
# azd postdeploy hook: subscribes the `packages` container's BlobCreated events to the Event Grid
# trigger validatePackageBlob (infra/app/package-events.bicep). It runs after code deploy because
# the subscription's destination is the function resource, which exists only once the deployed
# code has been indexed. Needs the Azure CLI signed in to the same tenant/subscription as azd
# (`az login`). Safe to run again (an incremental deployment of the same resources).
set -eu

for v in AZURE_FUNCTION_APP_NAME RESOURCE_GROUP PACKAGES_SYSTEM_TOPIC_NAME PACKAGES_CONTAINER_NAME PACKAGES_EVENT_FUNCTION_NAME AZURE_STORAGE_ACCOUNT_NAME SERVICE_API_URI; do
  eval "val=\${$v:-}"
  if [ -z "$val" ]; then
    echo "post-deploy: $v is not set (run through azd, after azd provision)" >&2
    exit 1
  fi
done
command -v az >/dev/null 2>&1 || { echo "post-deploy: the Azure CLI (az) is required" >&2; exit 1; }

# The function appears a little after the first start of the deployed host: wake it and wait.
found=""
attempt=0
while [ -z "$found" ] && [ "$attempt" -lt 20 ]; do
  attempt=$((attempt + 1))
  curl -s -o /dev/null "$SERVICE_API_URI/api/health" || true
  found=$(az functionapp function show -n "$AZURE_FUNCTION_APP_NAME" -g "$RESOURCE_GROUP" \
    --function-name "$PACKAGES_EVENT_FUNCTION_NAME" --query name -o tsv 2>/dev/null || true)
  [ -n "$found" ] || sleep 15
done
if [ -z "$found" ]; then
  echo "post-deploy: function $PACKAGES_EVENT_FUNCTION_NAME not found on $AZURE_FUNCTION_APP_NAME; was the code deployed?" >&2
  exit 1
fi

here=$(dirname "$0")
az deployment group create \
  --name package-events \
  --resource-group "$RESOURCE_GROUP" \
  --template-file "$here/../app/package-events.bicep" \
  --parameters systemTopicName="$PACKAGES_SYSTEM_TOPIC_NAME" functionAppName="$AZURE_FUNCTION_APP_NAME" \
    functionName="$PACKAGES_EVENT_FUNCTION_NAME" storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
    packagesContainerName="$PACKAGES_CONTAINER_NAME" \
  --output none

echo "post-deploy: Event Grid subscription packages-blob-created -> $PACKAGES_EVENT_FUNCTION_NAME"

# The app checks its settings once at start; /api/health says whether it can serve (never a value).
health=$(curl -s -w ' (HTTP %{http_code})' "$SERVICE_API_URI/api/health" || true)
echo "post-deploy: $SERVICE_API_URI/api/health -> $health"
if [ -n "${AUTH_REDIRECT_URI:-}" ]; then
  echo "post-deploy: browser sign-in needs $AUTH_REDIRECT_URI as a Web redirect URI of the app registration (infra/DEPLOY.md, step 3)"
fi
