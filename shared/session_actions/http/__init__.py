"""The HTTP edge: from an API Gateway event to one action and back (routes, parameters,
problem+json, what every response carries)."""
