import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Shell } from '../components/shell.tsx';
import './globals.css';

export const metadata: Metadata = { title: 'Flint', description: 'Flint cluster and applications' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Shell>{children}</Shell>
      </body>
    </html>
  );
}
