// npm run check:infra builds and lints main.bicep with these values: the DurableTaskScheduler variant.
// Not used by azd (it reads main.parameters.json).
using '../main.bicep'

param environmentName = 'check'
param location = 'westeurope'
param authClientId = '00000000-0000-0000-0000-000000000000'
param reviewEscalationEmail = 'reviews@example.com'
param supportUrl = 'https://support.example.com'
param deliveryClientIds = '11111111-1111-1111-1111-111111111111, 22222222-2222-2222-2222-222222222222'
param durableBackend = 'DurableTaskScheduler'
