import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { joinUri, writeBytes } from '../../../storage';
import { writeBaseConfig } from '../../../test-support/experiment-input';
import { tinyBaseModel } from '../../../test-support/tiny-model';

/**
 * Puts the tests' tiny base model and trainer config under `root` (a gs:// folder), so nothing the
 * workers read is on a local disk. `scratch` is a local folder for the config file written first.
 */
export async function uploadTinyBase(root: string, scratch: string): Promise<{ baseModel: string; baseConfig: string }> {
  const localModel = await tinyBaseModel();
  const baseModel = joinUri(root, 'base-model');
  for (const file of readdirSync(localModel)) await writeBytes(joinUri(baseModel, file), readFileSync(join(localModel, file)));
  const baseConfig = joinUri(root, 'base-config.json');
  await writeBytes(baseConfig, readFileSync(writeBaseConfig(scratch)));
  return { baseModel, baseConfig };
}
