/**
 * The experiment input: every option of the reference's `iteration_train.py` (PIPELINE.md's table,
 * camelCase, same defaults) plus what a durable, sharded run needs. Pure zod, so the workflow sandbox,
 * the CLI and the worker all validate with the same code.
 *
 * `ExperimentInput` is the written form (what a user, `--set` or `temporal workflow start` gives);
 * `ExperimentOptions` is the normalised form the code uses (defaults filled, digit ranges expanded).
 */
import { z } from 'zod';
import { BadInputError } from '../core/errors';
import { ARITHMETIC_COUNT_PER_DIGIT, ARITHMETIC_TRAIN_DIGITS } from '../core/arithmetic-problems';
import { TASK_NAMES } from '../core/example';
import { growthLimitProblem } from '../core/step-growth';
import { convertTemplateProblem } from './convert-command';
import { DEDUP_MODES } from '../core/sample-dedup';
import { commandWords } from '../core/command-line';
import { checkCommandTemplate, serveTemplateProblem, usesNprocPerNode, usesRendezvous } from './command-templates';
import { HOST_NAME, HOST_NAME_RULE } from './task-queues';
import { INFERENCE_SERVERS, inferenceExtraBodySchema } from './inference-server';

/** Workflow IDs are experiment names; they also become folder and file names in storage. */
export const EXPERIMENT_NAME = /^[A-Za-z0-9_-]+$/;
/**
 * Names become file names with a suffix (`{exp}_{i}.tfrecords`, `{exp}_{i-1}.txt`), and file systems
 * refuse names over 255 bytes: a longer name would fail only after the generation work.
 */
export const EXPERIMENT_NAME_MAX = 128;
/**
 * Iterations at most (nIters - 1). The reference runs 64 and each iteration trains a model, so this
 * is far past any run; it keeps a plan (which lists every iteration) and a typo such as 1e9 from
 * tying up a worker for minutes before anything is refused.
 */
export const MAX_ITERATIONS = 10_000;
/**
 * Tokens generated per sample at most: what long-context servers allow in one request (128k). The
 * embedded model is bounded by its own context, checked when the experiment is prepared.
 */
export const MAX_GEN_LENGTH = 131_072;
/** Shards per pass at most (see `shards`). */
export const MAX_SHARDS = 2000;
/** The `task` of an experiment whose task is a task file. */
export const TASK_FILE = 'file';
/** The experiment trackers `tracking` may name (docs/tracking.md). */
export const TRACKERS = ['mlflow', 'wandb'] as const;
export type Tracker = (typeof TRACKERS)[number];
/** `tracking`: `none`, one tracker, a comma-separated list (as `--set` and `star track --tracking` give it) or a list. */
export const trackingSchema = z.preprocess(
  (value) => (typeof value === 'string' ? (value === 'none' ? [] : value.split(',').map((s) => s.trim())) : value),
  z
    .array(z.enum(TRACKERS, { message: `one of ${TRACKERS.join(', ')} (or none)` }))
    .refine((list) => new Set(list).size === list.length, 'name each tracker once'),
);

/** The reference trainer's command line: `{config}` and `{base_model}` are filled per iteration. */
/** The trainers (trainers/ describes each one). */
export const TRAINER_NAMES = ['embedded', 'command', 'simulated'] as const;

export const DEFAULT_COMMAND_TEMPLATE = 'python3 device_train.py --config {config} --tune-model-path={base_model}';

// `--set` and the Temporal CLI give strings; booleans and numbers are accepted in either form.
const flag = (fallback: boolean) => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()).default(fallback);
const num = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), schema);
const int = (min: number) => num(z.number().int().min(min));
const probability = num(z.number().min(0).max(1));

/**
 * A rendezvous endpoint the user fixes (experiment option `rendezvous`), for clusters where host 0
 * cannot pick one: a name or IP address of host 0 the other hosts reach, and a port there.
 */
const rendezvousSchema = z.strictObject({
  addr: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/, "host 0's name or IP address as the other hosts reach it, e.g. 10.0.0.10 or gpu-0.cluster.local"),
  port: num(z.number().int().min(1).max(65535, 'a TCP port, 1-65535')),
});

/** Digit counts: `[1,2,3]`, `"1-5"` or `"1,3,5"`; sorted and unique. */
const digitList = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(v);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      return hi >= lo && hi - lo < 64 ? Array.from({ length: hi - lo + 1 }, (_, k) => lo + k) : v;
    }
    if (v.trim() === '') return [];
    return v.split(',').map((part) => (/^\s*\d+\s*$/.test(part) ? Number(part) : part));
  },
  z.array(z.number().int().min(1).max(40)).transform((digits) => [...new Set(digits)].sort((a, b) => a - b)),
);

const arithmeticSchema = z.strictObject({
  /** Operand digit counts of the train problems (the reference trains on 1–5). */
  trainDigits: digitList.default([...ARITHMETIC_TRAIN_DIGITS]),
  /** Digit counts evaluated on the dev split (per-digit accuracy is the headline table). */
  devDigits: digitList.default([...ARITHMETIC_TRAIN_DIGITS]),
  /** Out-of-distribution digit counts added to the dev split (the reference keeps 6+ for this). */
  oodDigits: digitList.default([]),
  /** Generated train problems per digit count. */
  trainPerDigit: int(1).default(ARITHMETIC_COUNT_PER_DIGIT),
  /** Generated dev problems per digit count (in-distribution and OOD alike). */
  devPerDigit: int(1).default(100),
  /**
   * Worked problems (generated, seeded, apart from train and dev) given as the few-shot prompt, their
   * digit counts cycling through trainDigits; 0 (the reference): no prompt. For pretrained models.
   */
  fewShot: int(0).default(0),
});

/** A task file given without a task selects `file`, so `--set taskFile=…` is enough. */
const taskFromTaskFile = (raw: unknown): unknown =>
  raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'taskFile' in raw && !('task' in raw)
    ? { ...raw, task: TASK_FILE }
    : raw;

const inputSchema = z
  .strictObject({
    experiment: z
      .string()
      .regex(EXPERIMENT_NAME, 'letters, digits, "_" and "-" only (it is the workflow ID and a folder name)')
      .regex(/^[^-]/, 'must not start with "-" (the name is typed after commands such as `star status`, which would read it as an option)')
      .max(
        EXPERIMENT_NAME_MAX,
        `at most ${EXPERIMENT_NAME_MAX} characters (it becomes file names such as records/{experiment}_{i}.tfrecords, which file systems limit to 255 bytes): choose a shorter name`,
      ),
    /** A built-in task, or `file`: the task stated by `taskFile` (given alone, taskFile sets it). */
    task: z.enum([...TASK_NAMES, TASK_FILE]).default('commonsenseqa'),
    /** A task file (docs/own-task.md): the dataset, prompts and answer rule of your own task, as JSON. */
    taskFile: z.string().min(1).optional(),
    /** Folder holding `{task}/{split}_rand_split.jsonl` and `{task}/prompts*.txt`; arithmetic generates its problems. */
    datasetDir: z.string().min(1).optional(),
    /** Where everything the experiment writes lives: a local folder, `file:///abs` or `gs://bucket/prefix`. */
    storageRoot: z.string().min(1).default('runs'),
    seed: int(0).default(0),

    // The reference's options (PIPELINE.md), camelCase, same defaults.
    /** Iterations 1..nIters-1 run; 1 runs none, only the base eval (baseEval). */
    nIters: num(
      z
        .number()
        .int()
        .min(1)
        .max(
          MAX_ITERATIONS,
          `at most ${MAX_ITERATIONS} iterations (the reference runs 64, and each trains a model): start with fewer and lengthen a running experiment with \`star extend\``,
        ),
    ).default(64),
    nTrainSamples: int(1).default(10000),
    rationalize: flag(false),
    pRationalization: probability.default(1.0),
    pShowHintSave: probability.default(0),
    direct: flag(false),
    noPrompt: flag(false),
    fewShotTrain: flag(false),
    /** gsm: a hinted context shows the final number (`answer`) or the reference code's whole worked solution (`solution`). */
    gsmHint: z.enum(['answer', 'solution']).default('answer'),
    genLength: num(
      z
        .number()
        .int()
        .min(1)
        .max(
          MAX_GEN_LENGTH,
          `at most ${MAX_GEN_LENGTH} tokens per sample, the most a long-context server generates in one request (the reference generates 96; the embedded model is bounded by its context)`,
        ),
    ).default(96),
    gradientAccumulationSteps: int(1).default(8),
    sequenceCount: int(1).default(10),
    baseModelLocation: z.string().min(1).default('gs://checkpoint-bucket/step_383500/'),
    copyN: int(0).default(0),
    skipEval: flag(false),
    /**
     * Evaluate the base model on the dev split before iteration 1, as every iteration's model is
     * (metrics/{experiment}_0.json, the table's `base` row): what STaR starts from, measured in the run.
     */
    baseEval: flag(false),
    dryRun: flag(false),
    steadyGrow: flag(false),
    exponentialGrow: flag(false),
    startSteps: num(z.number().positive()).default(40),
    addSteps: num(z.number().min(0)).default(20),
    growSteps: num(z.number().positive()).default(1.2),
    baseEpochs: num(z.number().positive()).default(1.0),
    addEpochs: num(z.number().min(0)).default(0.2),

    // Sampling and evaluation.
    /** Cap on dev examples evaluated each iteration (all of them when absent). */
    nDevSamples: int(1).optional(),
    temperature: num(z.number().min(0)).default(0.01),
    /** The dev eval's temperature (`temperature` when absent): sample k rationales hot, judge the model near-greedy. */
    evalTemperature: num(z.number().min(0)).optional(),
    topP: num(z.number().gt(0).max(1)).default(0.9),
    /**
     * Read every continuation through transformers' clean-up of spaces before punctuation (` (e) .` is
     * read ` (e).`), as the reference's decode did; off for a tokenizer that never cleaned up.
     */
    cleanUpTokenizationSpaces: flag(true),
    /**
     * Where the embedded model stops a completion before end-of-text or genLength
     * (docs/completion-stop.md): `afterAnswer` once the task's checker can no longer decide otherwise
     * (never changes a decision); `repeatedLines` once this many complete lines in a row are the same
     * line, `repeatedTail` once this many last characters repeat one short piece (loops; these can
     * change a decision, rarely). Absent: none.
     */
    completionStop: z
      .strictObject({ afterAnswer: flag(false), repeatedLines: int(2).optional(), repeatedTail: int(8).optional() })
      .optional(),

    // Several rationales per question, a verifier, early stopping; the defaults are STaR's pass.
    /** k: rationales sampled per train question in one generation pass (use a temperature above 0 for k > 1). */
    samplesPerQuestion: int(1).default(1),
    /** Correct rationales kept per question at most. */
    keepPerQuestion: int(1).default(1),
    /** Duplicate correct rationales of one question: kept (`none`), dropped when identical (`exact`) or equal up to whitespace and number formatting (`normalized`). */
    dedup: z.enum(DEDUP_MODES).default('exact'),
    /** Hint only questions where every sample failed; off: every failed sample gets a hinted retry. */
    rationalizeOnlyIfAllFail: flag(true),
    /** The control run without the correctness filter: keep every sample whose answer line can be read, right or wrong. */
    keepAll: flag(false),
    /** Who judges a sample: the task's answer checking (`exact`) or `verifierCommand` (`command`). */
    verifier: z.enum(['exact', 'command']).default('exact'),
    /** The verifier program and its arguments, split like commandTemplate and run without a shell; JSONL {id, question, answer, output} in, {id, correct} out. */
    verifierCommand: z.string().min(1).optional(),
    /** Seconds the verifier may take per batch before it is killed and the step fails. */
    verifierTimeoutSeconds: int(1).default(300),
    /** Stop when overall dev accuracy has not improved by more than minDelta for patience iterations (outcome `plateau`). */
    earlyStop: z.strictObject({ patience: int(1), minDelta: num(z.number().min(0)).default(0) }).optional(),

    /**
     * Where the experiment is also logged (docs/tracking.md): `none`, `mlflow`, `wandb`, or several
     * (`mlflow,wandb` or a list). The trackers' settings come from their own environment variables
     * where the worker runs (MLFLOW_TRACKING_URI, WANDB_PROJECT, WANDB_MODE, WANDB_API_KEY), never from here.
     */
    tracking: trackingSchema.default([]),

    /** The base trainer config JSON (the reference's `configs/qa_base.json`); each iteration's config copies it. */
    baseConfig: z.string().min(1).default('configs/qa_base.json'),

    // Spreading the work over workers and training hosts.
    /**
     * Generation and eval each run as this many parallel activities. Each shard adds 6 to 11 events
     * (11 when every completion needs its own workflow task) and about 5 kB to the iteration's history
     * (docs/scale.md); Temporal fails a run past 51,200 events or 50 MB, so the cap keeps a run within
     * half of that.
     */
    shards: num(
      z
        .number()
        .int()
        .min(1)
        .max(
          MAX_SHARDS,
          `at most ${MAX_SHARDS}: each shard adds up to 11 events and about 5 kB to the iteration's workflow history, which Temporal caps at 51,200 events and 50 MB per run; give each shard more examples instead (docs/scale.md)`,
        ),
    ).default(1),
    /** `simulated` (with inference `simulated`): sleeps `simulatedStepMs` per step and writes a marker checkpoint, for capacity planning. */
    trainer: z.enum(TRAINER_NAMES).default('embedded'),
    /** Hosts of the `command` trainer; each runs `trainOnHost` on task queue `star-host-{host}`. */
    hosts: z.array(z.string().regex(HOST_NAME, HOST_NAME_RULE)).default([]),
    commandTemplate: z
      .string()
      .min(1)
      .default(DEFAULT_COMMAND_TEMPLATE)
      .superRefine((template, ctx) => {
        try {
          checkCommandTemplate(template);
        } catch (err) {
          ctx.addIssue({ code: 'custom', input: template, message: (err as Error).message });
        }
      }),
    /** Processes each host starts (`{nproc_per_node}` in commandTemplate): its accelerators, e.g. 8 on an 8-GPU node. */
    nprocPerNode: int(1).default(1),
    /**
     * The endpoint every host's launcher meets at (`{master_addr}`, `{master_port}`); absent, host 0
     * gives its address and a port it found free, anew for every attempt of the training step.
     */
    rendezvous: rendezvousSchema.optional(),
    /**
     * Run by the first host after training (`{checkpoint}`, `{output}`, `{config}`, `{iteration}`,
     * `{total_steps}`), e.g. mesh-transformer-jax's `to_hf_weights.py`; the iteration's model is then
     * the folder it wrote, `{model_dir}/step_{N}_converted`.
     */
    convertCommandTemplate: z.string().min(1).optional(),
    // Where generation and eval sample: the embedded model in the worker, or an
    // OpenAI-compatible server (vLLM, SGLang, llama.cpp, `transformers serve`, `star serve`).
    // `simulated` answers from the answer key in a keyed pattern, for capacity planning (docs/scale.md).
    inference: z.enum(['embedded', 'openai', 'simulated']).default('embedded'),
    /** The server's address (`http://host:8000` or `…/v1`) for `inference: "openai"`. */
    inferenceUrl: z
      .string()
      .regex(/^https?:\/\/[^\s/]+/, 'an http(s) URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1')
      .optional(),
    /** The model a request names; `{experiment}`, `{iteration}` (the sampling model's, 0 = base), `{checkpoint}`. Absent: the server's only model. */
    inferenceModelTemplate: z.string().min(1).optional(),
    /** The environment variable (on the workers) holding the API key; the key itself never enters the input. */
    inferenceApiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable, e.g. OPENAI_API_KEY (never the key itself)')
      .optional(),
    /**
     * Requests in flight at once, per shard (a shard sends one saved chunk at a time, so at most
     * STAR_CHUNK_SIZE, default 64). Servers batch what is in flight, so fewer in flight leaves batching
     * unused (docs/performance.md, "Inference client").
     */
    inferenceConcurrency: int(1).default(64),
    /**
     * `completions` (`POST /v1/completions`) or `chat` (`POST /v1/chat/completions`, for servers of
     * instruct models that only speak chat): the whole prompt goes as one user message (docs/own-task.md).
     */
    inferenceApi: z.enum(['completions', 'chat']).default('completions'),
    /**
     * The kind of server behind inferenceUrl or serveCommandTemplate, so each request states the
     * penalties and cut-offs that servers default differently (repetition penalty 1.0, top_k off,
     * min_p 0) in the fields that server takes; `generic` sends only the OpenAI fields
     * (docs/inference-servers.md).
     */
    inferenceServer: z.enum(INFERENCE_SERVERS).default('generic'),
    /** A JSON object merged into every request, over the server kind's fields: server-specific settings, e.g. {"repeat_penalty": 1.1}. */
    inferenceExtraBody: inferenceExtraBodySchema.optional(),
    /** Prompts per request; above 1 only for servers that take prompt lists (vLLM; not transformers serve or llama.cpp). */
    inferenceBatchPrompts: int(1).default(1),
    /** How long one request keeps retrying connection errors, 429 and 5xx before the step fails. */
    inferenceRetrySeconds: int(1).default(120),
    /**
     * A server each host starts per pass for the checkpoint that samples (`{checkpoint}`, `{port}`,
     * `{host}`), e.g. `vllm serve {checkpoint} --port {port} --host {host}`; shards then run on the hosts.
     */
    serveCommandTemplate: z.string().min(1).optional(),
    /** How long a started server may take until `GET /v1/models` answers. */
    serveStartTimeoutSeconds: int(1).default(600),
    /**
     * Each host starts its server once, on the base model, and loads each iteration's LoRA adapter into
     * it at run time as `{experiment}_{i}` (vLLM's `/v1/load_lora_adapter`), instead of a start per
     * checkpoint; needs serveCommandTemplate and a trainer config saving adapters unmerged
     * (`lora.save` "adapter"; docs/inference-servers.md).
     */
    serveLoraAdapters: flag(false),

    /** `simulated` inference: milliseconds each sample takes (a sleep), as a server's per-sample latency. */
    simulatedSampleMs: num(z.number().min(0)).default(0),
    /** `simulated` inference: the share of samples that are correct, keyed by (seed, model iteration, example, sample). */
    simulatedCorrectRate: probability.default(0.5),
    /** `simulated` trainer: milliseconds each training step takes (a sleep). */
    simulatedStepMs: num(z.number().min(0)).default(0),
    /**
     * Shard activities (generation or eval) pending at once; the rest start as earlier ones finish.
     * Temporal refuses more than 2,000 pending activities per workflow run by default.
     */
    maxPendingShards: num(z.number().int().min(1).max(2000)).default(256),

    /** Heartbeat timeout of every activity; a crashed worker's activity is retried elsewhere after it. */
    heartbeatTimeoutSeconds: int(1).default(120),

    arithmetic: arithmeticSchema.default(() => arithmeticSchema.parse({})),
  })
  // Runs even when single fields failed (`when`), so one pass lists every problem; it therefore reads
  // the fields defensively.
  .superRefine(
    (value, ctx) => {
      const hosts = Array.isArray(value.hosts) ? value.hosts : [];
      if (value.steadyGrow === true && value.exponentialGrow === true) {
        ctx.addIssue({
          code: 'custom',
          path: ['exponentialGrow'],
          input: value.exponentialGrow,
          message: 'steadyGrow and exponentialGrow are both on: choose one growth rule (or neither, for the epoch rule)',
        });
      }
      const { startSteps, addSteps, growSteps, nIters } = value;
      if ([startSteps, addSteps, growSteps, nIters].every(Number.isFinite)) {
        const rule = value.steadyGrow === true ? 'steady' : value.exponentialGrow === true ? 'exponential' : 'epoch';
        const growth = growthLimitProblem({ rule, startSteps, addSteps, growSteps }, nIters - 1);
        const path = rule === 'steady' ? 'addSteps' : 'growSteps';
        if (growth) ctx.addIssue({ code: 'custom', path: [path], input: value[path], message: growth });
      }
      if (value.task === TASK_FILE || value.taskFile !== undefined) {
        for (const problem of taskFileOptionProblems(value))
          ctx.addIssue({
            code: 'custom',
            input: (value as Record<string, unknown>)[problem.field],
            message: problem.message,
            path: [problem.field],
          });
      } else if (value.task !== 'arithmetic' && !value.datasetDir) {
        ctx.addIssue({
          code: 'custom',
          path: ['datasetDir'],
          input: value.datasetDir,
          message: `task ${value.task} needs datasetDir: the folder holding commonsenseqa/ and gsm/ (the reference's data), with ${value.task}/train_rand_split.jsonl, ${value.task}/dev_rand_split.jsonl and the prompt files`,
        });
      }
      if (value.trainer === 'command' && hosts.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['hosts'],
          input: value.hosts,
          message: 'trainer "command" needs at least one host, e.g. hosts: ["tpu-0"] (each runs workers/host.ts)',
        });
      }
      for (const problem of rendezvousProblems(value)) ctx.addIssue({ code: 'custom', ...problem });
      const convert = typeof value.convertCommandTemplate === 'string' ? value.convertCommandTemplate : undefined;
      if (convert !== undefined) {
        const problem = convertTemplateProblem(convert);
        if (problem) ctx.addIssue({ code: 'custom', path: ['convertCommandTemplate'], input: convert, message: problem });
        if (value.trainer !== 'command') {
          ctx.addIssue({
            code: 'custom',
            path: ['convertCommandTemplate'],
            input: convert,
            message: 'convertCommandTemplate needs trainer "command" (the hosts run it after their training command)',
          });
        }
      }
      const serve = typeof value.serveCommandTemplate === 'string' ? value.serveCommandTemplate : undefined;
      if (value.inference === 'openai' && !value.inferenceUrl && !serve) {
        ctx.addIssue({
          code: 'custom',
          path: ['inferenceUrl'],
          input: value.inferenceUrl,
          message:
            'inference "openai" needs inferenceUrl (the address of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1; `star serve` runs one) or serveCommandTemplate (a server each host starts)',
        });
      }
      if (serve !== undefined) {
        const problem = serveTemplateProblem(serve);
        if (problem) ctx.addIssue({ code: 'custom', path: ['serveCommandTemplate'], input: serve, message: problem });
        if (value.inference !== 'openai') {
          ctx.addIssue({
            code: 'custom',
            path: ['serveCommandTemplate'],
            input: serve,
            message: 'serveCommandTemplate needs inference "openai" (the shards send their prompts to the server it starts)',
          });
        }
        if (value.inferenceUrl) {
          ctx.addIssue({
            code: 'custom',
            path: ['inferenceUrl'],
            input: value.inferenceUrl,
            message: 'give inferenceUrl (a server you run) or serveCommandTemplate (servers the hosts start), not both',
          });
        }
        if (hosts.length === 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['hosts'],
            input: value.hosts,
            message:
              'serveCommandTemplate needs at least one host, e.g. hosts: ["gpu-0"] (each runs workers/host.ts and starts the server)',
          });
        }
      }
      for (const message of serveLoraAdaptersProblems(value, serve))
        ctx.addIssue({ code: 'custom', path: ['serveLoraAdapters'], input: value.serveLoraAdapters, message });
      if (value.inferenceApi === 'chat' && typeof value.inferenceBatchPrompts === 'number' && value.inferenceBatchPrompts > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['inferenceBatchPrompts'],
          input: value.inferenceBatchPrompts,
          message: 'the chat API takes one prompt per request: set inferenceBatchPrompts to 1 with inferenceApi "chat"',
        });
      }
      if (value.trainer === 'simulated' && value.inference !== 'simulated') {
        ctx.addIssue({
          code: 'custom',
          path: ['trainer'],
          input: value.trainer,
          message:
            'trainer "simulated" writes marker checkpoints that only inference "simulated" samples from: set inference to "simulated" too (both are for capacity planning)',
        });
      }
      if (value.verifier === 'command') {
        const problem =
          typeof value.verifierCommand === 'string'
            ? commandProblem(value.verifierCommand)
            : 'verifier "command" needs verifierCommand: the program and its arguments, e.g. "python3 check.py --strict"';
        if (problem) ctx.addIssue({ code: 'custom', path: ['verifierCommand'], input: value.verifierCommand, message: problem });
      }
      if (value.keepAll === true && value.rationalize === true) {
        ctx.addIssue({
          code: 'custom',
          path: ['keepAll'],
          input: value.keepAll,
          message:
            'keepAll keeps every sample, so none fails and rationalization has nothing to retry: set rationalize to false for the control run',
        });
      }
      if (value.baseEval === true && value.skipEval === true) {
        ctx.addIssue({
          code: 'custom',
          path: ['baseEval'],
          input: value.baseEval,
          message: 'baseEval evaluates on the dev split, which skipEval turns off: drop one of them',
        });
      }
      if (value.nIters === 1 && value.baseEval !== true) {
        ctx.addIssue({
          code: 'custom',
          path: ['nIters'],
          input: value.nIters,
          message: 'nIters 1 runs no iteration (they run 1..nIters-1): use nIters >= 2, or set baseEval to only evaluate the base model',
        });
      }
      if (value.completionStop !== undefined && value.inference !== undefined && value.inference !== 'embedded') {
        ctx.addIssue({
          code: 'custom',
          path: ['completionStop'],
          input: value.completionStop,
          message:
            'completionStop applies to the embedded model\'s sampler; a server stops at the task\'s stop strings only (docs/completion-stop.md says why): drop completionStop, or use inference "embedded"',
        });
      }
      if (value.earlyStop !== undefined && value.skipEval === true) {
        ctx.addIssue({
          code: 'custom',
          path: ['earlyStop'],
          input: value.earlyStop,
          message: 'earlyStop watches dev accuracy, which skipEval turns off: drop one of them',
        });
      }
      if (new Set(hosts).size !== hosts.length) {
        ctx.addIssue({ code: 'custom', path: ['hosts'], input: value.hosts, message: 'host names must be unique' });
      }
    },
    { when: (payload) => payload.value !== null && typeof payload.value === 'object' },
  );

/** How `rendezvous` and `nprocPerNode` combine with the trainer and its command template. */
function rendezvousProblems(value: Record<string, unknown>): { path: string[]; input: unknown; message: string }[] {
  const template = typeof value.commandTemplate === 'string' ? value.commandTemplate : undefined;
  const problems: { path: string[]; input: unknown; message: string }[] = [];
  let meets = false;
  let names = false;
  try {
    meets = template !== undefined && usesRendezvous(template);
    names = template !== undefined && usesNprocPerNode(template);
  } catch {
    return problems; // the template's own problem is reported on commandTemplate
  }
  if (value.rendezvous !== undefined && value.trainer !== 'command') {
    problems.push({
      path: ['rendezvous'],
      input: value.rendezvous,
      message: 'rendezvous is for trainer "command": the hosts\' training command meets there ({master_addr}, {master_port})',
    });
  } else if (value.rendezvous !== undefined && template !== undefined && !meets) {
    problems.push({
      path: ['rendezvous'],
      input: value.rendezvous,
      message:
        'rendezvous is given but commandTemplate names neither {master_addr} nor {master_port}, so no command would use it: ' +
        'add them to the launcher, e.g. torchrun --master_addr {master_addr} --master_port {master_port} ...',
    });
  }
  if (typeof value.nprocPerNode === 'number' && value.nprocPerNode !== 1 && template !== undefined && !names) {
    problems.push({
      path: ['nprocPerNode'],
      input: value.nprocPerNode,
      message: `nprocPerNode is ${value.nprocPerNode} but commandTemplate does not name {nproc_per_node}: give it to the launcher, e.g. torchrun --nproc_per_node {nproc_per_node} ...`,
    });
  }
  return problems;
}

/** What serveLoraAdapters needs besides itself; the trainer config's `lora.save` is checked when the experiment is prepared. */
function serveLoraAdaptersProblems(value: Record<string, unknown>, serve: string | undefined): string[] {
  if (value.serveLoraAdapters !== true) return [];
  const problems: string[] = [];
  if (value.inference !== 'openai' || serve === undefined)
    problems.push(
      'serveLoraAdapters needs inference "openai" with serveCommandTemplate: the servers the hosts start load the adapters (a server you run at inferenceUrl is yours to load; name its models with inferenceModelTemplate)',
    );
  if (value.trainer !== 'command')
    problems.push(
      'serveLoraAdapters needs trainer "command" with a trainer that saves LoRA adapters unmerged (the Hugging Face trainer with "lora": {"save": "adapter"} in baseConfig)',
    );
  if (value.inferenceModelTemplate !== undefined)
    problems.push(
      "serveLoraAdapters names the models itself ({experiment}_{i} for iteration i's adapter, the base as the server lists it): drop inferenceModelTemplate",
    );
  return problems;
}

/** How a task file combines with the other options. */
function taskFileOptionProblems(value: Record<string, unknown>): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (value.task !== TASK_FILE)
    problems.push({
      field: 'task',
      message: `taskFile needs task "${TASK_FILE}" (or no task at all): a task file replaces the built-in task ${String(value.task)}`,
    });
  if (typeof value.taskFile !== 'string')
    problems.push({ field: 'taskFile', message: `task "${TASK_FILE}" needs taskFile: the path or URI of a task file (docs/own-task.md)` });
  if (value.inference === 'simulated')
    problems.push({
      field: 'inference',
      message:
        'inference "simulated" writes the built-in tasks\' output formats; a task file has none: use inference "embedded" or "openai"',
    });
  if (value.direct === true)
    problems.push({
      field: 'direct',
      message:
        'direct mode is not supported for task files: turn direct off, and give a fewShot prompt whose examples answer directly instead',
    });
  return problems;
}

function commandProblem(command: string): string | undefined {
  try {
    commandWords(command);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export const experimentInputSchema = inputSchema;
export type ExperimentInput = z.input<typeof inputSchema>;
export type ExperimentOptions = z.output<typeof inputSchema>;

/** One thing wrong with an input, in the words a person fixes it with. */
export interface InputProblem {
  field: string;
  value: unknown;
  expected: string;
}

export type ParseResult = { ok: true; options: ExperimentOptions } | { ok: false; problems: InputProblem[]; message: string };

/** Validates an input; on failure lists every problem (field, value, expected) and a printable message. */
export function parseExperimentInput(raw: unknown): ParseResult {
  const result = inputSchema.safeParse(taskFromTaskFile(raw), { reportInput: true });
  if (result.success) return { ok: true, options: result.data };
  const problems: InputProblem[] = [];
  const issues: z.core.$ZodIssue[] = [];
  for (const issue of result.error.issues) {
    // One problem per unknown option, named by the option itself.
    const split: z.core.$ZodIssue[] =
      issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ ...issue, keys: [key], path: [...issue.path, key] })) : [issue];
    for (const one of split) {
      const field = one.path.length > 0 ? one.path.map(String).join('.') : '(input)';
      const value = one.code === 'unrecognized_keys' ? valueAt(raw, one.path) : 'input' in one ? one.input : valueAt(raw, one.path);
      const expected = describeIssue(one);
      problems.push({ field, value, expected });
      issues.push({ ...one, message: `${expected} (got ${show(value)})` });
    }
  }
  const message = z.prettifyError(new z.ZodError(issues));
  return { ok: false, problems, message };
}

/** Like `parseExperimentInput`, but throws an `InvalidExperimentInputError` listing the problems. */
export function parseExperimentInputOrThrow(raw: unknown): ExperimentOptions {
  const result = parseExperimentInput(raw);
  if (!result.ok) throw new InvalidExperimentInputError(result.problems, result.message);
  return result.options;
}

export class InvalidExperimentInputError extends BadInputError {
  override readonly name = 'InvalidExperimentInputError';
  constructor(
    readonly problems: InputProblem[],
    readonly details: string,
  ) {
    super(`invalid experiment input (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${details}`);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `no such option (options are the reference's names in camelCase, e.g. nIters, steadyGrow)`;
  }
  // zod calls Infinity "received Infinity" under "expected number": say what would do.
  if (issue.code === 'invalid_type' && issue.expected === 'number' && typeof issue.input === 'number') return 'a finite number';
  return issue.message;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON has no Infinity or NaN (it would print null).
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
