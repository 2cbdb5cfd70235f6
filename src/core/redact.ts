/** Connection URLs keep their shape in logs and messages but never their password. */
export function maskUrlPassword(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]+)@/, "//$1:****@");
}
