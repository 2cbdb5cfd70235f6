/** `bulwark/train`: the built-in model's trainer and its parameters, for programs that train their own. */
export {
  trainBuiltin,
  DEFAULT_PARAMS,
  type TrainParams,
  type TrainResult,
  type TrainOptions,
  type TrainProgress,
} from "./builtin-trainer.js";
export { parseTrainParams, TrainParamsSchema, TrainParamsOverridesSchema } from "./params.js";
export { loadRulesFile } from "../detect/rules.js";
