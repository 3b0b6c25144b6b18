"""CRM integrations: connections to Salesforce, HubSpot, Pipedrive, Zendesk and Intercom."""
