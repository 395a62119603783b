/* placeholder until the simulator lands */
int main(void);
int main(void) { return 0; }
