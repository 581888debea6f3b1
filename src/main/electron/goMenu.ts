// The desktop app's Go menu: one item per wizard step, in STEPS order, Ctrl/Cmd+digit for the
// steps that have a digit (the same steps Alt+digit reaches in the page).
import type { MenuItemConstructorOptions } from 'electron';
import { SHORTCUT_STEPS, STEPS } from '../../shared/steps';

export function goMenu(goto: (step: number) => void): MenuItemConstructorOptions[] {
  return STEPS.map((st, i) => ({
    label: `${i + 1}. ${st.title}`,
    accelerator: SHORTCUT_STEPS[i] && `CmdOrCtrl+${SHORTCUT_STEPS[i].key}`,
    click: () => goto(i),
  }));
}
