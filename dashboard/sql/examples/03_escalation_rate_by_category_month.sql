-- title: Escalation rate by category per month
pivot (
    select created_month, category, round(pct_escalated(is_escalated), 2) as pct_escalated
    from ticket_metrics
    group by created_month, category
) on category in ('withdrawal', 'account_security', 'account_restriction', 'transaction_delay',
                  'password_recovery', 'app_usage', 'other')
using first(pct_escalated)
order by created_month
