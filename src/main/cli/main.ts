// The `octet` command. Every command is a defineCommand(...) (cli/command.ts: flags, usage, parse,
// run) listed once in COMMANDS below; `octet --help` is built from their synopses.
import { OCTET_VERSION } from '../../shared/version';
import { describeActAlgos } from '../../shared/rangeAlgorithms';
import { reportCliError, usageError } from './args';
import { EXIT, runCommand, type AnyCommand } from './command';
import { inspectCommand, quantizeCommand } from './quantize';
import { tuneCommand } from './tune';
import { benchCommand } from './bench';
import { demoCommand } from './demo';
import { serveCommand } from './serve';

/** Every command, in the order `octet --help` lists them. */
export const COMMANDS: readonly AnyCommand[] = [inspectCommand, quantizeCommand, tuneCommand, benchCommand, demoCommand, serveCommand];

/** `octet --help`: every command's synopsis, then what they share. */
export const USAGE = `octet ${OCTET_VERSION}: post-training static int8 quantization of ONNX models

Usage:
${COMMANDS.map((c) => c.synopsis).join('\n')}

  SPEC is a .npz with one array per input name, a folder of .npy files named after the inputs,
  a .npy file (one input), a folder of images, or "mnist" (built-in digits). The first axis of an
  array indexes samples; a sample with the input's rank is fed as it is and fixes its symbolic
  dims (one rank lower gets a batch dim of 1). --shape NAME=... fixes dims the data does not.
  Recurrent states (float inputs named h, c, state, hidden...) left out of the data start at zeros.

  --act-algo (a recipe's act_algo) chooses how activation ranges are set from the calibration data:
${describeActAlgos('    ')}

  octet COMMAND --help shows a command's options. Add --debug to any command for stack traces.
  Exit codes: ${EXIT.OK} done; ${EXIT.FAILED} failed (one line: octet: error CODE: message); ${EXIT.USAGE} bad usage;
  ${EXIT.CANCELLED} cancelled with Ctrl-C (the job's worker is stopped; nothing half-written is left).`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return runCommand(command, rest);
  switch (name) {
    case '--version':
    case '-v':
      console.log(OCTET_VERSION);
      return EXIT.OK;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    default:
      return reportCliError(usageError(`unknown command '${name}'`), false, 'octet --help');
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
