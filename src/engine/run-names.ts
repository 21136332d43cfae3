// Readable run names ("etl-brave-otter"), as Prefect gives them.

const ADJECTIVES = ["amber", "brave", "calm", "daring", "eager", "fancy", "gentle", "happy", "icy", "jolly", "keen", "lucky", "mellow", "nimble", "olive", "proud", "quick", "rosy", "sunny", "tidy", "upbeat", "vivid", "witty", "young", "zesty"];
const NOUNS = ["otter", "badger", "crane", "dingo", "eagle", "ferret", "gecko", "heron", "ibis", "jackal", "koala", "lemur", "marten", "newt", "ocelot", "panda", "quail", "raven", "seal", "tapir", "urchin", "viper", "walrus", "yak", "zebra"];

export function runName(flowName: string): string {
  const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)];
  return `${flowName}-${pick(ADJECTIVES)}-${pick(NOUNS)}`;
}
