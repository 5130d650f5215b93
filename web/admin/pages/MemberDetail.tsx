export default function MemberDetail() {
  return <h1>MemberDetail</h1>;
}
