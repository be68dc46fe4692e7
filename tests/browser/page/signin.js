// A front end signing in with the AWS SDK for JavaScript's Cognito client, as it does in
// production, against the user pool whose settings the API publishes at /_local/auth. The
// calls to the API itself go through sessionsClient (client.js), with this page's tokens.
// Each step returns what the page could read: a result, or the SDK's error name and message.
import {
  CognitoIdentityProviderClient,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";

let api = "";
let auth = null;
let cognito = null;
// What a signed-in front end holds: its tokens, or the challenge it is answering.
let tokens = null;
let challenge = null;

async function attempt(step) {
  try {
    return await step();
  } catch (error) {
    return { error: error.name, message: error.message };
  }
}

function keep(result) {
  const previous = tokens?.AccessToken;
  tokens = {
    AccessToken: result.AccessToken,
    IdToken: result.IdToken,
    // A refresh answers no new refresh token: the one held stays in use.
    RefreshToken: result.RefreshToken ?? tokens.RefreshToken,
  };
  // After a refresh, whether the page now holds another access token than before.
  return {
    signedIn: true,
    expiresIn: result.ExpiresIn,
    newAccessToken: tokens.AccessToken !== previous,
  };
}

// What InitiateAuth or RespondToAuthChallenge answered: a challenge to answer next, or tokens.
function received(reply) {
  if (reply.ChallengeName) {
    challenge = { name: reply.ChallengeName, session: reply.Session };
    return { challenge: reply.ChallengeName };
  }
  challenge = null;
  return keep(reply.AuthenticationResult);
}

window.signIn = {
  // The user pool's settings, read from the API as a front end reads its configuration.
  async start(apiUrl) {
    api = apiUrl;
    auth = await (await fetch(`${api}/_local/auth`)).json();
    // Signing in, refreshing and signing out are calls Cognito takes without AWS credentials:
    // the SDK signs none of them, so the client is given none.
    cognito = new CognitoIdentityProviderClient({
      region: auth.region,
      endpoint: auth.cognitoEndpoint,
    });
    return auth;
  },
  withPassword(username, password) {
    return attempt(async () => {
      const reply = await cognito.send(
        new InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: auth.userPoolClientId,
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      return received(reply);
    });
  },
  // The answer to NEW_PASSWORD_REQUIRED, for a user an administrator created.
  setNewPassword(username, newPassword) {
    return attempt(async () => {
      const reply = await cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: auth.userPoolClientId,
          ChallengeName: challenge.name,
          Session: challenge.session,
          ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
        }),
      );
      return received(reply);
    });
  },
  refresh() {
    return attempt(async () => {
      const reply = await cognito.send(
        new InitiateAuthCommand({
          AuthFlow: "REFRESH_TOKEN_AUTH",
          ClientId: auth.userPoolClientId,
          AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
        }),
      );
      return received(reply);
    });
  },
  whoAmI() {
    return attempt(async () => {
      const user = await cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
      const email = user.UserAttributes.find((attribute) => attribute.Name === "email");
      return { email: email.Value };
    });
  },
  signOut() {
    return attempt(async () => {
      await cognito.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken }));
      return { signedOut: true };
    });
  },
  // A call to the API (a sessionsClient step) with the access token, as a front end makes it;
  // or with the ID token, which the API refuses.
  callApi(step, ...args) {
    return window.sessionsClient[step](api, tokens.AccessToken, ...args);
  },
  callApiWithIdToken(step, ...args) {
    return window.sessionsClient[step](api, tokens.IdToken, ...args);
  },
};
