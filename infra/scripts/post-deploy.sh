#!/bin/sh
# azd postdeploy hook: subscribes the `packages` container's BlobCreated events to the Functions
# blobs webhook. It runs after code deploy because the blobs_extension system key is created only
# when the host has started with a blob trigger (source: EventGrid) registered. Needs the Azure CLI
# signed in to the same tenant/subscription as azd (`az login`). Safe to run again.
set -eu

for v in AZURE_FUNCTION_APP_NAME RESOURCE_GROUP PACKAGES_SYSTEM_TOPIC_NAME PACKAGES_CONTAINER_NAME PACKAGES_BLOB_FUNCTION_NAME SERVICE_API_URI; do
  eval "val=\${$v:-}"
  if [ -z "$val" ]; then
    echo "post-deploy: $v is not set (run through azd, after azd provision)" >&2
    exit 1
  fi
done
command -v az >/dev/null 2>&1 || { echo "post-deploy: the Azure CLI (az) is required" >&2; exit 1; }

# The key appears a little after the first start of the deployed host: wake it and retry.
key=""
attempt=0
while [ -z "$key" ] && [ "$attempt" -lt 12 ]; do
  attempt=$((attempt + 1))
  curl -s -o /dev/null "$SERVICE_API_URI/api/health" || true
  key=$(az functionapp keys list -n "$AZURE_FUNCTION_APP_NAME" -g "$RESOURCE_GROUP" \
    --query "systemKeys.blobs_extension" -o tsv 2>/dev/null || true)
  [ -n "$key" ] || sleep 15
done
if [ -z "$key" ]; then
  echo "post-deploy: no blobs_extension system key on $AZURE_FUNCTION_APP_NAME; is the blob trigger registered with source 'EventGrid'?" >&2
  exit 1
fi

endpoint="$SERVICE_API_URI/runtime/webhooks/blobs?functionName=Host.Functions.$PACKAGES_BLOB_FUNCTION_NAME&code=$key"
az eventgrid system-topic event-subscription create \
  --name "packages-blob-created" \
  --resource-group "$RESOURCE_GROUP" \
  --system-topic-name "$PACKAGES_SYSTEM_TOPIC_NAME" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$PACKAGES_CONTAINER_NAME/" \
  --output none

echo "post-deploy: Event Grid subscription packages-blob-created -> $PACKAGES_BLOB_FUNCTION_NAME"

# The app checks its settings once at start; /api/health says whether it can serve (never a value).
health=$(curl -s -w ' (HTTP %{http_code})' "$SERVICE_API_URI/api/health" || true)
echo "post-deploy: $SERVICE_API_URI/api/health -> $health"
if [ -n "${AUTH_REDIRECT_URI:-}" ]; then
  echo "post-deploy: browser sign-in needs $AUTH_REDIRECT_URI as a Web redirect URI of the app registration (infra/DEPLOY.md, step 3)"
fi
