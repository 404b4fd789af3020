/**
 * The one place grid-work reaches the services module (proxy applications and activity sign-ups
 * made for a resident). Services is reached only through its public functions.
 */
export { applyForMatter, getApplication, getActivityForStaff, signUp, type ApplicationView, type SignupView } from '../services/index.js';
