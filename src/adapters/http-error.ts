/**
 * A request an HTTP server of ours refuses, with the status it answers (the webhook receiver and the
 * console throw it from deep in a handler; their top level turns it into the response).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
