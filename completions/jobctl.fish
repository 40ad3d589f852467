# fish completion for jobctl: subcommands, options, signals, live jobs.

# What `jobctl __complete KIND` prints (NUL-separated, exactly as stored):
# fish offers each as a literal word and quotes it when it inserts it.
function __jobctl_offer
    set -l sd
    set -l tokens (commandline -opc)
    set -l i (contains -i -- --state-dir $tokens)
    and set sd --state-dir $tokens[(math $i + 1)]
    jobctl $sd __complete $argv 2>/dev/null | string split0
end

set -l subs spawn ps kill wait logs pause resume restart events run map lock locks pool pools queue value values event send recv serve rm prune help
complete -c jobctl -f
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -l state-dir -r -a '(__fish_complete_directories)' -d 'Keep state in DIR'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -l backend -x -a 'local slurm' -d 'Where new jobs run'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -s h -l help -d 'Show help'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -l version -d 'Show the version'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a spawn -d 'Start COMMAND as a background job'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a ps -d 'List jobs'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a kill -d 'Signal jobs (TERM, then KILL)'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a wait -d 'Wait for jobs to end'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a logs -d "Print a job's output"
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a pause -d "Stop jobs' process trees (SIGSTOP)"
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a resume -d 'Continue paused jobs (SIGCONT)'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a restart -d 'Start ended jobs again as new jobs'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a events -d "Print jobs' state changes"
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a run -d 'Run COMMAND in the foreground as a job'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a map -d 'COMMAND per input line in a pool, outputs in order'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a lock -d 'Run COMMAND holding a named lock'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a locks -d 'List locks, holders and waiters'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a pool -d 'Pause, resume or resize a pool'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a pools -d 'List pools'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a queue -d 'A durable FIFO queue: put, get, len'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a value -d 'A shared integer: get, set, add, cas'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a values -d 'List shared values'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a event -d 'An event: set, clear, wait, is-set'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a send -d "Write to a job's stdin pipe"
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a recv -d "Read a line of a job's stdout pipe"
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a serve -d 'A job per TCP connection'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a rm -d 'Forget ended jobs'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a prune -d 'Forget every ended job'
complete -c jobctl -n "not __fish_seen_subcommand_from $subs" -a help -d "Show a subcommand's help"

# spawn and run
complete -c jobctl -n '__fish_seen_subcommand_from spawn run' -s n -l name -x -d 'Name the job'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -s d -l daemon -d 'End the job when its owner ends'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l owner -x -a '(__fish_complete_pids)' -d 'Owning process'
complete -c jobctl -n '__fish_seen_subcommand_from spawn run' -s e -l env -x -d 'Set an environment variable'
complete -c jobctl -n '__fish_seen_subcommand_from spawn run' -s C -l directory -x -a '(__fish_complete_directories)' -d 'Run in DIR'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l stdout -r -F -a pipe -d 'Append output to FILE (pipe: for recv)'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l stderr -r -F -d 'Append errors to FILE'
complete -c jobctl -n '__fish_seen_subcommand_from spawn run' -l timeout -x -d 'Terminate after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from spawn run' -a '(__fish_complete_command)'

complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l lock -x -a '(__jobctl_offer locks)' -d "Hold lock NAME for the job's life"
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l pool -x -a '(__jobctl_offer pools)' -d 'Queue in pool NAME'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l slots -x -d "Set the pool's size"
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l stdin -x -a pipe -d "Keep stdin open for 'jobctl send'"
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l after -x -a '(__jobctl_offer jobs)' -d 'Start once JOB has exited 0'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l after-any -x -a '(__jobctl_offer jobs)' -d 'Start once JOB has ended'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l delay -x -d 'Start no earlier than DURATION from now'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l retries -x -d 'Run a failed command again, up to N more times'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l retry-delay -x -d 'First pause between attempts'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l on-exit -x -d 'Run the shell command string once the job has ended'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l log-max -x -d 'Keep about the newest SIZE bytes of the log'
complete -c jobctl -n '__fish_seen_subcommand_from spawn' -l slurm-opt -x -d 'Pass OPT to sbatch (--backend slurm)'

# map
complete -c jobctl -n '__fish_seen_subcommand_from map' -s n -l name -x -d 'Name the pool and its jobs'
complete -c jobctl -n '__fish_seen_subcommand_from map' -l slots -x -d 'Run at most N at once'
complete -c jobctl -n '__fish_seen_subcommand_from map' -l keep-going -d 'Start every input even after a failure'
complete -c jobctl -n '__fish_seen_subcommand_from map' -s 0 -l null -d 'Inputs are NUL-separated'

# value, values, event, recv
complete -c jobctl -n '__fish_seen_subcommand_from value; and not __fish_seen_subcommand_from get set add cas' -a 'get set add cas'
complete -c jobctl -n '__fish_seen_subcommand_from value; and __fish_seen_subcommand_from get set add cas' -a '(__jobctl_offer values)'
complete -c jobctl -n '__fish_seen_subcommand_from values' -l json -d 'One JSON object per line'
complete -c jobctl -n '__fish_seen_subcommand_from event; and not __fish_seen_subcommand_from set clear wait is-set' -a 'set clear wait is-set'
complete -c jobctl -n '__fish_seen_subcommand_from event; and __fish_seen_subcommand_from set clear wait is-set' -a '(__jobctl_offer events)'
complete -c jobctl -n '__fish_seen_subcommand_from event' -s t -l timeout -x -d 'wait: give up after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from recv' -s t -l timeout -x -d 'Give up after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from recv' -a '(__jobctl_offer running)'

# send
complete -c jobctl -n '__fish_seen_subcommand_from send' -l eof -d "Close the job's stdin"
complete -c jobctl -n '__fish_seen_subcommand_from send' -s t -l timeout -x -d 'Give up after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from send' -a '(__jobctl_offer running)'

# serve
complete -c jobctl -n '__fish_seen_subcommand_from serve' -l max -x -d 'At most N connections at once'
complete -c jobctl -n '__fish_seen_subcommand_from serve' -l keep -x -d 'Keep the newest N ended connection jobs'
complete -c jobctl -n '__fish_seen_subcommand_from serve' -s n -l name -x -d 'Name the connection jobs'

# lock
complete -c jobctl -n '__fish_seen_subcommand_from lock' -s t -l timeout -x -d 'Give up after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from lock' -l shared -d 'Share the lock with other shared holders'
complete -c jobctl -n '__fish_seen_subcommand_from lock' -l slots -x -d 'Let N holders in at once'
complete -c jobctl -n '__fish_seen_subcommand_from lock' -a '(__jobctl_offer locks)'

# events
complete -c jobctl -n '__fish_seen_subcommand_from events' -s f -l follow -d 'Only new events, as they happen'
complete -c jobctl -n '__fish_seen_subcommand_from events' -l json -d 'One JSON object per line'
complete -c jobctl -n '__fish_seen_subcommand_from events' -a '(__jobctl_offer jobs)'

# pool, pools
complete -c jobctl -n '__fish_seen_subcommand_from pool; and not __fish_seen_subcommand_from pause resume slots' -a 'pause resume slots'
complete -c jobctl -n '__fish_seen_subcommand_from pool; and __fish_seen_subcommand_from pause resume slots' -a '(__jobctl_offer pools)'
complete -c jobctl -n '__fish_seen_subcommand_from pools' -l json -d 'One JSON object per line'

# queue
complete -c jobctl -n '__fish_seen_subcommand_from queue; and not __fish_seen_subcommand_from put get len' -a 'put get len'
complete -c jobctl -n '__fish_seen_subcommand_from queue' -s t -l timeout -x -d 'get: give up after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from queue; and __fish_seen_subcommand_from put get len' -f -a '(__jobctl_offer queues)'

# ps
complete -c jobctl -n '__fish_seen_subcommand_from ps' -l json -d 'One JSON object per line'
complete -c jobctl -n '__fish_seen_subcommand_from ps' -s q -l quiet -d 'Ids only'
complete -c jobctl -n '__fish_seen_subcommand_from ps' -l running -d 'Jobs that have not ended'
complete -c jobctl -n '__fish_seen_subcommand_from ps' -l finished -d 'Jobs that have ended'
complete -c jobctl -n '__fish_seen_subcommand_from ps' -l failed -d 'Ended jobs with nonzero exit'
complete -c jobctl -n '__fish_seen_subcommand_from ps' -l last -x -d 'Only the newest N'
complete -c jobctl -n '__fish_seen_subcommand_from ps' -l summary -d 'Count the jobs in each state'
complete -c jobctl -n '__fish_seen_subcommand_from pause resume' -a '(__jobctl_offer running)'
complete -c jobctl -n '__fish_seen_subcommand_from restart' -a '(__jobctl_offer finished)'
complete -c jobctl -n '__fish_seen_subcommand_from ps kill wait logs pause resume restart' -l pool -x -a '(__jobctl_offer pools)' -d 'Every job of pool NAME'
complete -c jobctl -n '__fish_seen_subcommand_from ps kill wait logs pause resume restart' -l all-named -x -a '(__jobctl_offer names)' -d 'Every job named NAME'
complete -c jobctl -n '__fish_seen_subcommand_from ps wait logs' -a '(__jobctl_offer jobs)'

# kill
complete -c jobctl -n '__fish_seen_subcommand_from kill' -s s -l signal -x -a 'HUP INT QUIT KILL USR1 USR2 PIPE ALRM TERM CONT STOP TSTP WINCH' -d 'Signal to send'
complete -c jobctl -n '__fish_seen_subcommand_from kill' -l grace -x -d 'KILL what is left after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from kill' -l wait -d 'Return once the jobs have ended'
complete -c jobctl -n '__fish_seen_subcommand_from kill' -a '(__jobctl_offer running)'

# wait, logs, rm, prune, help
complete -c jobctl -n '__fish_seen_subcommand_from wait' -s t -l timeout -x -d 'Give up after DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from wait' -l any -d 'Return when the first job ends'
complete -c jobctl -n '__fish_seen_subcommand_from wait' -l progress -d 'Show N/M done on stderr'
complete -c jobctl -n '__fish_seen_subcommand_from wait' -l no-progress -d 'Never show progress'
complete -c jobctl -n '__fish_seen_subcommand_from logs' -s f -l follow -d 'Keep printing until the job ends'
complete -c jobctl -n '__fish_seen_subcommand_from logs' -s t -l timestamps -d 'Begin each line with the time it was written'
complete -c jobctl -n '__fish_seen_subcommand_from logs' -l stdout -d 'Only what the job wrote to standard output'
complete -c jobctl -n '__fish_seen_subcommand_from logs' -l stderr -d 'Only what the job wrote to standard error'
complete -c jobctl -n '__fish_seen_subcommand_from rm' -a '(__jobctl_offer finished)'
complete -c jobctl -n '__fish_seen_subcommand_from prune' -l older-than -x -d 'Only jobs older than DURATION'
complete -c jobctl -n '__fish_seen_subcommand_from help' -a 'spawn ps kill wait logs pause resume restart events run map lock locks pool pools queue value values event send recv serve rm prune'
complete -c jobctl -n "__fish_seen_subcommand_from $subs" -s h -l help -d 'Show help'
