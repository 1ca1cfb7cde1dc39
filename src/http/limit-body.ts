import { bodyLimit } from "hono/body-limit";
import { problem } from "./problem.js";

/** 413 problem+json once a body passes `maxSize` bytes, whether or not Content-Length announced it. */
export function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) => problem(c, 413, "too-large", `The body is larger than ${maxSize} bytes`),
  });
}
