import { LoginForm } from '../../components/pages/login-form.tsx';

export default function Page() {
  return <LoginForm />;
}
