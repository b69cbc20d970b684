"""ips_nb: IPS supervision packs and weekly conference agendas, computed in a tested library."""
__version__ = "0.1.0"
