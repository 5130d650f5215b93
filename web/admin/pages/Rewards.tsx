export default function Rewards() {
  return <h1>Rewards</h1>;
}
