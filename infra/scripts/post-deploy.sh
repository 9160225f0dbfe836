#!/bin/sh
# azd postdeploy hook: subscribes the `packages` container's BlobCreated events to the Event Grid
# trigger validatePackageBlob (infra/app/package-events.bicep) through a WebHook destination: the
# trigger's webhook URL with the Event Grid extension's system key. It runs after code deploy
# because the function and that key exist only once the deployed host has started.
# Every az call names azd's subscription (AZURE_SUBSCRIPTION_ID, which azd passes to hooks): the
# Azure CLI's own default subscription may be another one. Needs `az login` to the same tenant.
# The key is never printed: it goes to the deployment through a parameters file readable by this
# user only, removed on exit. Safe to run again (an incremental deployment of the same resources).
set -eu

for v in AZURE_SUBSCRIPTION_ID AZURE_FUNCTION_APP_NAME RESOURCE_GROUP PACKAGES_SYSTEM_TOPIC_NAME PACKAGES_CONTAINER_NAME PACKAGES_EVENT_FUNCTION_NAME AZURE_STORAGE_ACCOUNT_NAME SERVICE_API_URI; do
  eval "val=\${$v:-}"
  if [ -z "$val" ]; then
    echo "post-deploy: $v is not set (run through azd, after azd provision)" >&2
    exit 1
  fi
done
command -v az >/dev/null 2>&1 || { echo "post-deploy: the Azure CLI (az) is required" >&2; exit 1; }

# az, always in azd's subscription.
azs() {
  az "$@" --subscription "$AZURE_SUBSCRIPTION_ID"
}

app() {
  azs functionapp "$@" -n "$AZURE_FUNCTION_APP_NAME" -g "$RESOURCE_GROUP"
}

# The function, then the extension's system key, appear a little after the first start of the
# deployed host: wake it and wait (20 tries, 15 s apart). Only key names are listed here.
ready=""
attempt=0
while [ -z "$ready" ] && [ "$attempt" -lt 20 ]; do
  attempt=$((attempt + 1))
  curl -s -o /dev/null "$SERVICE_API_URI/api/health" || true
  found=$(app function show --function-name "$PACKAGES_EVENT_FUNCTION_NAME" --query name -o tsv 2>/dev/null || true)
  if [ -n "$found" ]; then
    names=$(app keys list --query "keys(systemKeys)" -o tsv 2>/dev/null || true)
    if echo "$names" | grep -qw eventgrid_extension; then ready=yes; fi
  fi
  [ -n "$ready" ] || sleep 15
done
if [ -z "$ready" ]; then
  echo "post-deploy: function $PACKAGES_EVENT_FUNCTION_NAME or its Event Grid key not found on $AZURE_FUNCTION_APP_NAME in subscription $AZURE_SUBSCRIPTION_ID; was the code deployed?" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
key=$(app keys list --query systemKeys.eventgrid_extension -o tsv)
printf '{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#","contentVersion":"1.0.0.0","parameters":{"eventGridExtensionKey":{"value":"%s"}}}\n' "$key" >"$tmp/key.parameters.json"
key=""

here=$(dirname "$0")
azs deployment group create \
  --name package-events \
  --resource-group "$RESOURCE_GROUP" \
  --template-file "$here/../app/package-events.bicep" \
  --parameters "@$tmp/key.parameters.json" \
  --parameters systemTopicName="$PACKAGES_SYSTEM_TOPIC_NAME" functionAppName="$AZURE_FUNCTION_APP_NAME" \
    functionName="$PACKAGES_EVENT_FUNCTION_NAME" storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
    packagesContainerName="$PACKAGES_CONTAINER_NAME" \
  --output none
rm -f "$tmp/key.parameters.json"

echo "post-deploy: Event Grid subscription packages-blob-created -> $PACKAGES_EVENT_FUNCTION_NAME (WebHook, system key)"

# The app checks its settings once at start; /api/health says whether it can serve (never a value).
health=$(curl -s -w ' (HTTP %{http_code})' "$SERVICE_API_URI/api/health" || true)
echo "post-deploy: $SERVICE_API_URI/api/health -> $health"
if [ -n "${AUTH_REDIRECT_URI:-}" ]; then
  echo "post-deploy: browser sign-in needs $AUTH_REDIRECT_URI as a Web redirect URI of the app registration (infra/DEPLOY.md, step 3)"
fi
