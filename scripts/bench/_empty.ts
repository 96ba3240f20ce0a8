/** The start-up floor of `deno run` itself: a script that does nothing. */
