"""The embedded AWS: moto's DynamoDB and Cognito on loopback, the template's tables, and the
template's user pools with tokens on demand."""
