"""The local Sessions API: real handlers behind Cognito-style token checks, no AWS, no Docker."""
