/**
 * `npx tsx model/train-cli.ts --config <iteration config json> --tune-model-path <base checkpoint>`:
 * the embedded model's counterpart of the reference's `device_train.py`. Reads train_set, total_steps,
 * lr, warmup_steps, ckpt_every, per_replica_batch, gradient_accumulation_steps and model_dir/bucket
 * from the config; prints `step N loss X` per step (for a supervisor to parse) and
 * `checkpoint <uri>` at the end. Exits 2 on bad input, 1 on a failure while training.
 * Relative `train_set`/`model_dir` are taken relative to the config file's folder (the reference
 * reads them under `data/` and `gs://{bucket}/`); `--train-set` and `--output` override them.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { normaliseRoot, readJson, joinUri } from '../storage';
import { readManifest } from './checkpoint';
import { train } from './train';
import { BadInputError } from '../core/errors';

const IterationConfigSchema = z.looseObject({
  train_set: z.string().min(1),
  total_steps: z.number().int().nonnegative(),
  lr: z.number().nonnegative(),
  warmup_steps: z.number().int().nonnegative(),
  ckpt_every: z.number().int().positive(),
  per_replica_batch: z.number().int().positive(),
  gradient_accumulation_steps: z.number().int().positive().default(1),
  model_dir: z.string().optional(),
  bucket: z.string().optional(),
  seed: z.number().int().optional(),
});

/** A wrong argument or input file: printed without a stack, exit status 2. */
class UsageError extends BadInputError {}

const USAGE =
  'usage: npx tsx model/train-cli.ts --config <iteration config json URI> --tune-model-path <base checkpoint URI> ' +
  '[--output <checkpoint dir URI>] [--train-set <records index URI>] [--seed N]';

/** A URI or absolute path stays; a relative one is taken relative to the config file's folder. */
function resolveAgainst(configUri: string, value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('/')) return value;
  const dir = configUri.replace(/\/[^/]*$/, '');
  return joinUri(dir, value);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        'tune-model-path': { type: 'string' },
        output: { type: 'string' },
        'train-set': { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (!args.config) throw new UsageError(`--config is required\n${USAGE}`);
  if (!args['tune-model-path']) throw new UsageError(`--tune-model-path is required (the base checkpoint to fine-tune)\n${USAGE}`);
  const configUri = args.config.includes('://') ? args.config : normaliseRoot(args.config);
  let raw: unknown;
  try {
    raw = await readJson(configUri);
  } catch (err) {
    throw new UsageError(`cannot read the iteration config ${args.config}: ${(err as Error).message}`);
  }
  const parsed = IterationConfigSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`iteration config ${args.config} is invalid:\n${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  if (config.total_steps === 0) throw new UsageError(`iteration config ${args.config} has total_steps 0: nothing to train`);
  let output = args.output;
  if (!output) {
    if (!config.model_dir) throw new UsageError(`iteration config ${args.config} has no model_dir; pass --output <URI>`);
    output = config.bucket ? `gs://${config.bucket}/${config.model_dir}` : resolveAgainst(configUri, config.model_dir);
  }
  const seed = args.seed !== undefined ? Number(args.seed) : (config.seed ?? 0);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${args.seed}`);
  const base = args['tune-model-path'];
  try {
    await readManifest(base.includes('://') ? base : normaliseRoot(base));
  } catch (err) {
    throw new UsageError(`--tune-model-path: ${(err as Error).message}`);
  }
  const result = await train({
    baseCheckpointUri: base.includes('://') ? base : normaliseRoot(base),
    recordsIndexUri: args['train-set'] ?? resolveAgainst(configUri, config.train_set),
    totalSteps: config.total_steps,
    outputDirUri: output.includes('://') ? output : normaliseRoot(output),
    checkpointEvery: config.ckpt_every,
    lr: config.lr,
    warmupSteps: config.warmup_steps,
    batchSize: config.per_replica_batch,
    gradientAccumulationSteps: config.gradient_accumulation_steps,
    seed,
    onProgress: (step, loss) => {
      console.log(`step ${step} loss ${loss.toFixed(6)}`);
    },
  });
  console.log(`checkpoint ${result.checkpointUri}`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`train-cli: ${err.message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
