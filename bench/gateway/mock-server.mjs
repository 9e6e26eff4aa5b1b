// The benchmark's upstream: an OpenAI-format chat endpoint on loopback that
// answers after a fixed small delay (BENCH_UPSTREAM_DELAY_MS, default 2 ms),
// as JSON or as an SSE stream of 10 chunks plus usage and [DONE]. Prints
// {"port":N} when listening. Plain JavaScript so it starts fast and costs
// the same for every proxy measured against it.
import { createServer } from "node:http";

const delay = Number(process.argv[2] ?? "2");
const usage = { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 };
const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-bench-upstream",
  choices: [{ index: 0, message: { role: "assistant", content: "The quick brown fox jumps over the lazy dog.", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage,
});
const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-bench-upstream", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })}\n\n`;
const first = chunk({ role: "assistant", content: "The" });
const rest = [...["quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog."].map((w) => chunk({ content: ` ${w}` })), chunk({}, "stop")];
const tail = `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-bench-upstream", choices: [], usage })}\n\ndata: [DONE]\n\n`;

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => {
    const stream = Buffer.concat(parts).includes('"stream":true');
    setTimeout(() => {
      if (!stream) {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) });
        res.end(completion);
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(first);
      // The rest follows on the next turns of the event loop, as separate writes.
      let i = 0;
      const next = () => {
        if (i < rest.length) {
          res.write(rest[i++]);
          setImmediate(next);
        } else res.end(tail);
      };
      setImmediate(next);
    }, delay);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on("SIGTERM", () => process.exit(0));
