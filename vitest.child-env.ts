// Tests run the real CLIs as child processes and compare what they print. nx forces colour for its
// tasks (FORCE_COLOR), and with NO_COLOR also set, as many CI machines do, Node prints a warning about
// the pair into every child's stderr. A child of a test sees a plain pipe, as a user's script would.
delete process.env.FORCE_COLOR;
process.env.NO_COLOR = "1";
