"""Storage: the only code that speaks DynamoDB."""
