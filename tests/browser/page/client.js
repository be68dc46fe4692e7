// What a front end does with the Sessions API, in the page's JavaScript (fetch). Each call
// returns what the script could read of the response, so a test can check it: a header the API
// does not expose, or a response CORS withholds, is not there to read.
"use strict";

async function observe(response) {
  const text = await response.text();
  const type = response.headers.get("Content-Type");
  let body = null;
  if (text && type && /json/.test(type)) {
    body = JSON.parse(text);
  }
  return {
    status: response.status,
    contentType: type,
    etag: response.headers.get("ETag"),
    location: response.headers.get("Location"),
    requestId: response.headers.get("X-Request-Id"),
    text: text,
    body: body,
  };
}

async function call(api, method, path, { token, headers, body } = {}) {
  const sent = { ...(headers || {}) };
  if (token) {
    sent.Authorization = `Bearer ${token}`;
  }
  const options = { method, headers: sent };
  if (body !== undefined) {
    sent["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  try {
    return await observe(await fetch(api + path, options));
  } catch (error) {
    // What a browser reports for a response CORS does not let the page read.
    return { status: 0, error: String(error) };
  }
}

window.sessionsClient = {
  create(api, token, session, idempotencyKey) {
    return call(api, "POST", "/sessions", {
      token,
      body: session,
      headers: { "Idempotency-Key": idempotencyKey },
    });
  },
  get(api, token, location, etag) {
    const headers = etag ? { "If-None-Match": etag } : {};
    return call(api, "GET", location, { token, headers });
  },
  update(api, token, location, etag, changes) {
    return call(api, "PUT", location, { token, body: changes, headers: { "If-Match": etag } });
  },
  list(api, token) {
    return call(api, "GET", "/sessions?limit=100", { token });
  },
  // A calendar view: the sessions starting in [startsFrom, startsBefore), earliest first.
  listByTime(api, token, startsFrom, startsBefore) {
    const query = new URLSearchParams({ startsFrom, startsBefore });
    return call(api, "GET", `/sessions?${query}`, { token });
  },
  remove(api, token, location, etag) {
    return call(api, "DELETE", location, { token, headers: { "If-Match": etag } });
  },
  withoutToken(api) {
    return call(api, "GET", "/sessions");
  },
};
