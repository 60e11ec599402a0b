// A build description file (hvosim build --json) given with --build: read, then checked (build-json.ts).
import type { BuildDescription } from '../simulator.js';
import { parseBuildJson } from './build-json.js';
import { inputName, readInputFile } from './input.js';

/** A build description file (`hvosim build --json` wrote it): one error line naming the field when it is not one. */
export function readBuildFile(file: string): BuildDescription {
  return parseBuildJson(readInputFile(file), inputName(file));
}
