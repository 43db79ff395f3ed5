"""Writes of the client record, one module per area: the client (`clients`), `intake`,
`level_of_care`, `consents` (and disclosures), treatment `plans`, `discharge`. Every write to a
client goes through here. Import from the module
(`from clients.services.discharge import client_discharge`)."""
