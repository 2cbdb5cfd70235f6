/** `bulwark config`: the effective configuration. */
import { loadConfig, maskedConfig } from "../../core/config.js";
import { printJson } from "../output.js";

export function config(): void {
  printJson(maskedConfig(loadConfig()));
}
