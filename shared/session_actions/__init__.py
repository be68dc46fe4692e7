"""The session-actions library: every rule of the Sessions API lives here.

Handlers in ``functions/`` parse the event, call one action and shape the response;
models, actions, the DynamoDB repository and the error-to-HTTP mapping are in this package.
"""
