// The HTTP server for the Express app, with node:http building each request
// and response from the app's own prototypes (app.request, app.response).
//
// Express's app.handle re-parents every req and res with
// Object.setPrototypeOf, and an object whose prototype changes after it is
// built leaves V8's fast paths (expressjs/express#5998, nodejs/node#37457).
// Measured with one route and no database (autocannon, 32 connections): that
// call alone took Express from about 27,000 to 10,000 req/s, and made every
// young-generation scavenge keep ~4 MB alive and pause 4-5 ms instead of
// 0.2 ms. Built with the right prototype, the object keeps it, and
// setPrototypeOf has nothing to change.
//
// Only for an app that mounts no other Express app: a sub-app swaps in its
// own prototypes (and back), which stays correct but pays the old price.
import http from 'node:http';
import type { Express } from 'express';

type Args<T extends abstract new (...args: never[]) => unknown> = ConstructorParameters<T>;

export function createHttpServer(app: Express): http.Server {
  // Plain constructor functions rather than classes: a class's prototype
  // cannot be set to an existing object, and it must be exactly app.request
  // for Express's setPrototypeOf to find nothing to change. node:http's own
  // constructors are plain functions, so they can initialise `this`.
  function AppRequest(this: http.IncomingMessage, ...args: Args<typeof http.IncomingMessage>) {
    Reflect.apply(http.IncomingMessage, this, args);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: http.ServerResponse, ...args: Args<typeof http.ServerResponse>) {
    Reflect.apply(http.ServerResponse, this, args);
  }
  AppResponse.prototype = app.response;
  return http.createServer(
    {
      IncomingMessage: AppRequest as unknown as typeof http.IncomingMessage,
      ServerResponse: AppResponse as unknown as typeof http.ServerResponse,
    },
    app,
  );
}
