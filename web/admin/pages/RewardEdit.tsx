export default function RewardEdit() {
  return <h1>RewardEdit</h1>;
}
