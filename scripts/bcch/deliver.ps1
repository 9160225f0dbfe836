# Runs BcContainerHelper's New-AppSourceSubmission, unmodified, against this app's local host.
# Started by `npm run check:bcch -- <path to BcContainerHelper>` (scripts/checkBcch.ts), which
# prepares the offer, the .app files and a stand-in for the AL tool. Nothing here changes the module:
# a caller-side redirect of Invoke-RestMethod (the one line of docs/deliver-from-al-go.md), and
# stand-ins for what needs the internet or Azure (the VS Code marketplace query, Az.Storage).
param(
    [Parameter(Mandatory = $true)] [string] $Module,
    [Parameter(Mandatory = $true)] [string] $BaseUrl,
    [Parameter(Mandatory = $true)] [string] $ProductId,
    [Parameter(Mandatory = $true)] [string] $AppFile,
    [string[]] $LibraryAppFiles = @(),
    [Parameter(Mandatory = $true)] [string] $ConfigFile,
    [string] $ClientId = 'contoso',
    [switch] $DoNotUpdateVersionNumber
)
$ErrorActionPreference = 'Stop'
# -File passes "a.app,b.app" as one string.
$LibraryAppFiles = @($LibraryAppFiles | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$global:IngestionBase = "$($BaseUrl.TrimEnd('/'))/api/"

Import-Module (Join-Path $Module 'BcContainerHelper.psd1') -DisableNameChecking -ArgumentList $true, $false, @($ConfigFile)

# The redirect (docs/deliver-from-al-go.md), plus a note of the last fileSasUri for the upload below.
function global:Invoke-RestMethod($Uri, $Method, $Headers, $Body, [switch] $UseBasicParsing, $ContentType) {
    $PSBoundParameters.Uri = $Uri -replace '^https://api\.partner\.microsoft\.com/', $global:IngestionBase
    $result = Microsoft.PowerShell.Utility\Invoke-RestMethod @PSBoundParameters
    if ($result -and ($result.PSObject.Properties.Name -contains 'fileSasUri')) { $global:LastFileSasUri = $result.fileSasUri }
    $result
}

# Az.Storage stand-in: the script uploads with Set-AzStorageBlobContent; here the bytes go to the
# fileSasUri the API answered (Azurite locally), with the same single PUT of a block blob.
function global:New-AzureStorageContext([string] $StorageAccountName, [string] $SasToken) {
    @{ StorageAccountName = $StorageAccountName }
}
function global:Set-AzureStorageBlobContent([string] $File, [string] $Container, [string] $Blob, $Context, [switch] $Force) {
    Microsoft.PowerShell.Utility\Invoke-WebRequest -UseBasicParsing -Method Put -Uri $global:LastFileSasUri -InFile $File `
        -Headers @{ 'x-ms-blob-type' = 'BlockBlob' } -ContentType 'application/octet-stream' | Out-Null
    [PSCustomObject]@{ Name = $Blob }
}

# The AL tool stand-in is installed under hostHelperFolder by checkBcch.ts; this answers the
# marketplace query that would otherwise look for a newer AL Language extension to download.
function global:Invoke-WebRequest($Uri, $Method, $Headers, $Body, [switch] $UseBasicParsing, $ContentType, $InFile, $OutFile) {
    if ($Uri -like 'https://marketplace.visualstudio.com/*') {
        return '{"results":[{"extensions":[{"versions":[{"version":"0.0.1-local","properties":[{"Key":"Microsoft.VisualStudio.Code.Engine","Value":"*"}],"files":[{"assetType":"Microsoft.VisualStudio.Services.VSIXPackage","source":"https://localhost/none.vsix"}]}]}]}]}'
    }
    Microsoft.PowerShell.Utility\Invoke-WebRequest @PSBoundParameters
}

$authContext = New-BcAuthContext -clientID $ClientId -clientSecret 'not-checked-locally' `
    -scopes 'https://api.partner.microsoft.com/.default' -authority $global:IngestionBase
New-AppSourceSubmission -authContext $authContext -productId $ProductId -appFile $AppFile `
    -libraryAppFiles $LibraryAppFiles -autoPromote -doNotUpdateVersionNumber:$DoNotUpdateVersionNumber
