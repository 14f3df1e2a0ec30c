import { Middleware } from 'koa';
import { isDatabaseUnavailable } from '../../shared/db/errors';
import { Problem, PROBLEM_CONTENT_TYPE, problems } from './problem';

/** Errors thrown by koa-body / raw-body carry an HTTP status and a type. */
function fromBodyParser(error: { status?: number; type?: string; limit?: number }): Problem | undefined {
  if (error.type === 'entity.too.large' || error.status === 413) return problems.tooLarge(`${error.limit ?? 'the limit'} bytes`);
  if (error.status === 415) return problems.unsupportedMediaType();
  if (error.status === 400) return problems.malformedJson();
  return undefined;
}

/** Turns every error into an application/problem+json response; stack traces and SQL only reach the log. */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    let problem: Problem | undefined;
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) problem = problems.notFound(`No resource at ${ctx.path}`);
        else if (ctx.status === 405 || ctx.status === 501) problem = problems.methodNotAllowed(ctx.response.get('Allow'));
      }
    } catch (error) {
      if (error instanceof Problem) problem = error;
      else if (isDatabaseUnavailable(error)) {
        ctx.log.warn({ err: error }, 'database unavailable');
        problem = problems.unavailable();
      } else {
        problem = fromBodyParser(error as object);
        if (!problem) {
          ctx.log.error({ err: error }, 'unhandled error');
          problem = problems.internal();
        }
      }
    }
    if (!problem) return;
    ctx.status = problem.status;
    ctx.set(problem.headers);
    ctx.type = PROBLEM_CONTENT_TYPE;
    ctx.body = problem.toJSON(ctx.path);
  };
}
